import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresStorage, migrate, migrations } from '../src/index.js';
import { createTestDb, postgresUrl, skipPostgres, type TestDb } from './support/db.js';

describe.skipIf(skipPostgres)('migrations', () => {
  let db: TestDb | undefined;
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    await db?.teardown();
    db = undefined;
    for (const f of cleanup.splice(0)) await f();
  });

  it('creates the tables and columns ARCHITECTURE.md names, so the monitoring queries run on them', async () => {
    db = await createTestDb();
    const rows = await db.sql<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = $1`,
      [db.schema],
    );
    const has = (table: string, column: string) => rows.find((r) => r.table_name === table && r.column_name === column)?.data_type;
    expect(has('pricing_reports', 'timestamp')).toBe('timestamp with time zone');
    expect(has('pricing_reports', 'price')).toBe('double precision');
    for (const c of ['agent_id', 'pool_id', 'data_quality_flag', 'processed_by', 'source', 'primary_price', 'replica_price', 'replica_timestamp']) {
      expect(has('pricing_reports', c), c).toBeDefined();
    }
    for (const c of ['replica_type', 'status', 'created_at', 'ready_at']) expect(has('replica_instances', c), c).toBeDefined();
    for (const c of ['detected_at', 'response_time_ms', 'success']) expect(has('spot_interruption_events', c), c).toBeDefined();
    for (const c of ['event_type', 'created_at']) expect(has('system_events', c), c).toBeDefined();
    for (const c of ['auto_switch_enabled', 'auto_terminate_enabled', 'manual_replica_enabled', 'version', 'fencing_token']) {
      expect(has('agents', c), c).toBeDefined();
    }
    expect(has('pools', 'id')).toBeDefined();
    for (const c of ['lease_key', 'owner', 'token', 'expires_at']) expect(has('sef_leases', c), c).toBeDefined();
    expect(await db.sql(`SELECT version, name FROM sef_migrations ORDER BY version`)).toEqual(migrations.map((m) => ({ version: m.version, name: m.name })));
  });

  it('is a no-op on a current schema', async () => {
    db = await createTestDb();
    expect(await migrate(db.pool)).toEqual({ applied: [], version: migrations.at(-1)!.version });
  });

  it('applies every migration exactly once when five processes run it at once on a new schema', async () => {
    const schema = `test_${randomUUID().replaceAll('-', '')}`;
    const pools = Array.from({ length: 5 }, () => new pg.Pool({ connectionString: postgresUrl, max: 1 }));
    cleanup.push(async () => {
      await pools[0]!.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await Promise.all(pools.map((p) => p.end()));
    });
    const results = await Promise.all(pools.map((pool) => migrate(pool, { schema })));
    expect(results.flatMap((r) => r.applied).sort()).toEqual(migrations.map((m) => m.version));
    expect(results.every((r) => r.version === migrations.at(-1)!.version)).toBe(true);
    // The schema option qualifies every table: a storage on a pool without search_path finds them.
    const storage = createPostgresStorage({ pool: pools[1]!, schema });
    await storage.pools.upsert([{ id: 'us-east-1a:c5.large', region: 'us-east-1', availabilityZone: 'us-east-1a', instanceType: 'c5.large' }]);
    expect((await pools[2]!.query(`SELECT id FROM ${schema}.pools`)).rows).toEqual([{ id: 'us-east-1a:c5.large' }]);
    expect(await storage.ping()).toBe(true);
  });

  it('the agents row refuses manual mode together with an auto flag, also to raw SQL (CHECK constraint)', async () => {
    db = await createTestDb();
    const a = await db.storage.agents.create({ id: 'a1', region: 'us-east-1', poolId: 'us-east-1a:c5.large', primaryInstanceId: 'i-1' });
    await db.sql(`UPDATE agents SET auto_switch_enabled = TRUE WHERE id = 'a1'`);
    await expect(db.sql(`UPDATE agents SET manual_replica_enabled = TRUE WHERE id = 'a1'`)).rejects.toMatchObject({
      code: '23514',
      constraint: 'chk_replica_mode_exclusion',
    });
    // Through the store the violation is the spec's refusal, with the driver's error kept as cause.
    const err = await db.storage.agents
      .update('a1', a.version, { modes: { autoSwitch: true, autoTerminate: false, manualReplica: true } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONFLICT', message: 'Auto mode active', cause: { code: '23514' } });
    expect(await db.sql(`SELECT auto_switch_enabled, manual_replica_enabled FROM agents`)).toEqual([
      { auto_switch_enabled: true, manual_replica_enabled: false },
    ]);
  });

  it('ping answers false when the tables are missing', async () => {
    const pool = new pg.Pool({ connectionString: postgresUrl, max: 1 });
    cleanup.push(() => pool.end());
    expect(await createPostgresStorage({ pool, schema: `none_${randomUUID().slice(0, 8)}` }).ping()).toBe(false);
  });
});
