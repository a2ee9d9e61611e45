import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredPoint } from '@sef/core';
import { createPostgresStorage } from '../src/index.js';
import { createTestDb, postgresUrl, skipPostgres, type TestDb } from './support/db.js';

const T = 1_767_225_600;
const series = { agentId: 'a1', poolId: 'us-east-1a:c5.large' };
const points = (n: number): StoredPoint[] =>
  Array.from({ length: n }, (_, i) => ({ ...series, timestamp: T + i * 300, price: 0.05, flag: 'single_source', source: 'primary', primaryPrice: 0.05, replicaPrice: null, replicaTimestamp: null }));

describe.skipIf(skipPostgres)('connection faults', () => {
  let db: TestDb;
  let app: string;
  let pool: pg.Pool;
  const errors: Error[] = [];
  beforeEach(async () => {
    db = await createTestDb();
    app = `sef-fault-${randomUUID().slice(0, 8)}`;
    pool = new pg.Pool({ connectionString: postgresUrl, max: 3, application_name: app, options: `-c search_path=${db.schema}` });
    errors.length = 0;
  });
  afterEach(async () => {
    await pool.end();
    await db.teardown();
  });

  /** Terminates the backends of the pool under test once one of them runs a statement matching `pattern`. */
  async function killWhenRunning(pattern: string): Promise<number> {
    for (let i = 0; i < 2000; i++) {
      const rows = await db.sql<{ n: number }>(
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
         WHERE application_name = $1 AND state = 'active' AND query ILIKE $2`,
        [app, pattern],
      );
      if (rows[0]!.n > 0) return rows[0]!.n;
      await new Promise((r) => setTimeout(r, 2));
    }
    throw new Error('the statement never ran');
  }

  // Points the window read covered and did not find are COPYed straight into the table; the others go
  // through the staging table and INSERT … ON CONFLICT. Each path is killed in its own long statement.
  const paths = [
    { name: 'INSERT from the staging table', to: T, statement: '%pricing_reports%sef_price_stage%' },
    { name: 'COPY straight into the table', to: T + 150_000 * 300, statement: '%COPY%pricing_reports%FROM STDIN%' },
  ];
  for (const path of paths) {
    it(`a backend terminated mid-batch (${path.name}) applies nothing of it and the call rejects with a retryable StorageError`, async () => {
      const storage = createPostgresStorage({ pool, attempts: 1, copyThreshold: 1, onError: (e) => errors.push(e) });
      const batch = points(150_000);
      const update = storage.prices.update([{ series, from: T, to: path.to }], () => [{ series, upsert: batch, remove: [] }]);
      const killed = killWhenRunning(path.statement);
      const err = await update.catch((e: unknown) => e);
      expect(await killed).toBe(1);
      expect(err).toMatchObject({ name: 'StorageError', code: 'STORAGE', retryable: true });
      expect((err as Error).cause).toBeDefined();
      expect(await db.sql(`SELECT count(*)::int AS n FROM pricing_reports`)).toEqual([{ n: 0 }]);
      // The pool recovers: the next call connects anew.
      await storage.prices.update([{ series, from: T, to: T }], () => [{ series, upsert: points(1), remove: [] }]);
      expect(await db.sql(`SELECT count(*)::int AS n FROM pricing_reports`)).toEqual([{ n: 1 }]);
    });

    it(`with retries, the same fault (${path.name}) ends with the whole batch stored exactly once`, async () => {
      const storage = createPostgresStorage({ pool, copyThreshold: 1, onError: (e) => errors.push(e) });
      const batch = points(150_000);
      let computed = 0;
      const update = storage.prices.update([{ series, from: T, to: path.to }], () => {
        computed++;
        return [{ series, upsert: batch, remove: [] }];
      });
      await killWhenRunning(path.statement);
      await update;
      expect(computed).toBe(2);
      expect(await db.sql(`SELECT count(*)::int AS n, count(DISTINCT "timestamp")::int AS d FROM pricing_reports`)).toEqual([{ n: 150_000, d: 150_000 }]);
    });
  }

  it('an idle pooled connection killed by the server goes to the error listener, not to a crash', async () => {
    const storage = createPostgresStorage({ pool, onError: (e) => errors.push(e) });
    await Promise.all([storage.pools.list(), storage.pools.list(), storage.pools.list()]);
    expect(pool.idleCount).toBeGreaterThan(0);
    const [killed] = await db.sql<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1`,
      [app],
    );
    expect(killed!.n).toBeGreaterThan(0);
    // Each killed idle client reports to the listener and leaves the pool.
    for (let i = 0; i < 400 && errors.length < killed!.n; i++) await new Promise((r) => setTimeout(r, 5));
    expect(errors.length).toBeGreaterThanOrEqual(killed!.n);
    expect(await storage.ping()).toBe(true);
    expect(await storage.pools.list()).toEqual([]);
  });
});
