import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, storeReports, type SourceReport, type StoredPoint } from '@sef/core';
import { createTestDb, skipPostgres, type TestDb } from './support/db.js';

const config = parseConfig();
const T = 1_767_225_600; // 2026-01-01T00:00:00Z
const series = { agentId: 'a1', poolId: 'us-east-1a:c5.large' };
const report = (timestamp: number, price: number, role: 'primary' | 'replica' = 'primary'): SourceReport => ({
  ...series,
  instanceId: role === 'primary' ? 'i-p' : 'i-r',
  timestamp,
  price,
  role,
});

/** The rows as stored, read back with raw SQL (timestamps as unix seconds, and the row version). */
const rows = (db: TestDb) =>
  db.sql<Record<string, unknown>>(`SELECT extract(epoch from "timestamp")::float8 AS ts, price, data_quality_flag AS flag, source,
      processed_by, primary_price, replica_price, extract(epoch from replica_timestamp)::float8 AS replica_ts, xmin::text AS xmin
    FROM pricing_reports ORDER BY agent_id, pool_id, "timestamp"`);

describe.skipIf(skipPostgres)('ingest into pricing_reports (raw SQL read-back)', () => {
  let db: TestDb;
  beforeEach(async () => {
    db = await createTestDb();
  });
  afterEach(async () => db.teardown());

  it("stores the spec's 20-minute gap as 300, 600 and 900 at 0.0525, 0.055 and 0.0575, flagged interpolated", async () => {
    await storeReports(db.storage.prices, [report(T, 0.05), report(T + 1200, 0.06)], config);
    const stored = await rows(db);
    expect(stored.map((r) => [r['ts'] as number - T, r['price'], r['flag'], r['source']])).toEqual([
      [0, 0.05, 'single_source', 'primary'],
      [300, 0.0525, 'interpolated', 'interpolated'],
      [600, 0.055, 'interpolated', 'interpolated'],
      [900, 0.0575, 'interpolated', 'interpolated'],
      [1200, 0.06, 'single_source', 'primary'],
    ]);
    expect(new Set(stored.map((r) => r['processed_by']))).toEqual(new Set(['smart_emergency_fallback']));
    const [day] = await db.sql<{ d: string }>(`SELECT to_char(("timestamp" AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS d FROM pricing_reports LIMIT 1`);
    expect(day?.d).toBe('2026-01-01');
  });

  it('a resent report changes nothing: not even a row version', async () => {
    const batch = [report(T, 0.05), report(T + 1200, 0.06), report(T + 1500, 0.061)];
    await storeReports(db.storage.prices, batch, config);
    const before = await rows(db);
    await storeReports(db.storage.prices, batch, config);
    await storeReports(db.storage.prices, [batch[1]!], config);
    expect(await rows(db)).toEqual(before);
  });

  it('a real point replaces the interpolated one at its timestamp, and its neighbours are recomputed', async () => {
    await storeReports(db.storage.prices, [report(T, 0.05), report(T + 1200, 0.06)], config);
    await storeReports(db.storage.prices, [report(T + 600, 0.07)], config);
    expect((await rows(db)).map((r) => [r['ts'] as number - T, r['price'], r['flag']])).toEqual([
      [0, 0.05, 'single_source'],
      [300, 0.06, 'interpolated'],
      [600, 0.07, 'single_source'],
      [900, 0.065, 'interpolated'],
      [1200, 0.06, 'single_source'],
    ]);
  });

  it("a late twin merges into its row: the primary's timestamp, both prices, the replica's own timestamp", async () => {
    await storeReports(db.storage.prices, [report(T, 0.0456)], config);
    await storeReports(db.storage.prices, [report(T + 5, 0.0458, 'replica')], config);
    const [row, ...more] = await rows(db);
    expect(more).toEqual([]);
    expect(row).toMatchObject({ ts: T, price: 0.0456, flag: 'verified_dual_source', source: 'dual', primary_price: 0.0456, replica_price: 0.0458, replica_ts: T + 5 });
  });

  it('timestamps with microseconds and prices round-trip exactly', async () => {
    const ts = T + 0.123456;
    await storeReports(db.storage.prices, [report(ts, 0.123456789012345)], config);
    const [point] = await db.storage.prices.timeline(series, T, T + 1);
    expect(point).toMatchObject({ timestamp: ts, price: 0.123456789012345 });
    expect((await rows(db))[0]).toMatchObject({ ts, price: 0.123456789012345 });
  });

  it('stores the same rows whether a batch goes through COPY into the staging table or through unnest', async () => {
    const copying = db.open({ copyThreshold: 1 }).storage.prices;
    const other = await createTestDb({ copyThreshold: Number.MAX_SAFE_INTEGER });
    try {
      const arbReport = fc.record({
        slot: fc.integer({ min: 0, max: 40 }),
        jitter: fc.integer({ min: 0, max: 20 }),
        price: fc.integer({ min: 1, max: 100_000 }).map((n) => n / 1e6),
        role: fc.constantFrom('primary' as const, 'replica' as const),
        pool: fc.constantFrom('us-east-1a:c5.large', 'us-east-1b:m5.large', 'tab\there'),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(fc.array(arbReport, { maxLength: 30 }), { maxLength: 4 }), async (batches) => {
          await db.sql(`TRUNCATE pricing_reports`);
          await other.sql(`TRUNCATE pricing_reports`);
          for (const batch of batches) {
            const reports = batch.map((r) => ({ ...report(T + r.slot * 150 + r.jitter, r.price, r.role), poolId: r.pool }));
            await storeReports(copying, reports, config);
            await storeReports(other.storage.prices, reports, config);
          }
          const strip = (rs: Record<string, unknown>[]) => rs.map(({ xmin: _, ...r }) => r);
          expect(strip(await rows(db))).toEqual(strip(await rows(other)));
        }),
        { numRuns: 15 },
      );
    } finally {
      await other.teardown();
    }
  });

  it('refuses a change for a series the update did not ask for, applying nothing', async () => {
    const stray: StoredPoint = { ...series, poolId: 'elsewhere', timestamp: T, price: 1, flag: 'single_source', source: 'primary', primaryPrice: 1, replicaPrice: null, replicaTimestamp: null };
    await expect(
      db.storage.prices.update([{ series, from: T, to: T }], () => [{ series, upsert: [stray], remove: [] }]),
    ).rejects.toMatchObject({ code: 'STORAGE', retryable: false });
    expect(await rows(db)).toEqual([]);
  });
});
