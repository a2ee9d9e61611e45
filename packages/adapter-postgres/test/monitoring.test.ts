import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dataQualityOverTime, failoverPerformance, replicaPerformance } from '../src/index.js';
import { createTestDb, skipPostgres, type TestDb } from './support/db.js';

const DAY = 86_400;

describe.skipIf(skipPostgres)("the spec's monitoring queries, on PostgreSQL", () => {
  let db: TestDb;
  beforeEach(async () => {
    db = await createTestDb();
  });
  afterEach(async () => db.teardown());

  it('data quality over time: per UTC day of the last 7, newest first, pct_interpolated to 2 decimals', async () => {
    const today = Math.floor(Date.now() / 1000 / DAY) * DAY;
    const rows: [number, string][] = [
      [today + 60, 'interpolated'], [today + 120, 'single_source'], [today + 180, 'averaged_dual_source'],
      [today - DAY + 60, 'interpolated'], [today - DAY + 120, 'interpolated'], [today - DAY + 180, 'verified_dual_source'],
      [today - 9 * DAY, 'interpolated'], // older than 7 days: outside the query
    ];
    for (const [ts, flag] of rows) {
      await db.sql(`INSERT INTO pricing_reports (agent_id, pool_id, "timestamp", price, data_quality_flag, source) VALUES ('a', 'p', to_timestamp($1), 1, $2, 'primary')`, [ts, flag]);
    }
    // A row written by something else than SEF is not counted, as in the spec's WHERE clause.
    await db.sql(`INSERT INTO pricing_reports (agent_id, pool_id, "timestamp", price, data_quality_flag, source, processed_by) VALUES ('b', 'p', to_timestamp($1), 1, 'interpolated', 'primary', 'other')`, [today + 60]);
    const date = (s: number) => new Date(s * 1000).toISOString().slice(0, 10);
    expect(await dataQualityOverTime(db.pool)).toEqual([
      { date: date(today), totalPoints: 3, interpolated: 1, averaged: 1, pctInterpolated: 33.33 },
      { date: date(today - DAY), totalPoints: 3, interpolated: 2, averaged: 0, pctInterpolated: 66.67 },
    ]);
    expect(await dataQualityOverTime(db.pool, { window: '10 days' })).toHaveLength(3);
  });

  it('replica performance: per type, average seconds to ready, promoted and terminated unused', async () => {
    const now = Date.now();
    const r = (id: string, type: string, status: string, ready: number | null, created = now - 60_000) =>
      db.sql(
        `INSERT INTO replica_instances (id, agent_id, pool_id, market, replica_type, status, created_at, ready_at, cause_id)
         VALUES ($1, 'a', 'p', 'spot', $2, $3, to_timestamp($4 / 1000.0), to_timestamp($5 / 1000.0), 'c')`,
        [id, type, status, created, ready === null ? null : created + ready],
      );
    await r('r1', 'auto', 'promoted', 90_000);
    await r('r2', 'auto', 'terminated', 30_000);
    await r('r3', 'manual', 'launching', null);
    await r('r4', 'auto', 'promoted', 10_000, now - 8 * DAY * 1000);
    expect(await replicaPerformance(db.pool)).toEqual([
      { replicaType: 'auto', totalCreated: 2, avgReadyTimeSec: 60, promotedCount: 1, terminatedUnused: 1 },
      { replicaType: 'manual', totalCreated: 1, avgReadyTimeSec: null, promotedCount: 0, terminatedUnused: 0 },
    ]);
  });

  it('failover performance over every event of the last 30 days, or over termination notices only; nulls without events', async () => {
    expect(await failoverPerformance(db.pool)).toEqual({ avgResponseSec: null, fastestSec: null, slowestSec: null, successful: 0, totalEvents: 0 });
    const e = (id: string, type: string, ms: number | null, success: boolean | null, daysAgo = 1) =>
      db.sql(
        `INSERT INTO spot_interruption_events (id, agent_id, instance_id, pool_id, signal_type, instance_role, detected_at, notice_time, deadline, response_time_ms, success)
         VALUES ($1, 'a', $1, 'p', $2, 'primary', now() - make_interval(days => $3), now() - make_interval(days => $3), now(), $4, $5)`,
        [id, type, daysAgo, ms, success],
      );
    await e('s1', 'termination-notice', 12_000, true);
    await e('s2', 'termination-notice', 48_000, false);
    await e('s3', 'rebalance-recommendation', 500, true);
    await e('s4', 'termination-notice', 1_000, true, 40);
    expect(await failoverPerformance(db.pool, { signalType: 'termination-notice' })).toEqual({ avgResponseSec: 30, fastestSec: 12, slowestSec: 48, successful: 1, totalEvents: 2 });
    // The spec's query as written: the rebalance recommendation counts too.
    expect(await failoverPerformance(db.pool)).toEqual({ avgResponseSec: 20.1666666666666667, fastestSec: 0.5, slowestSec: 48, successful: 2, totalEvents: 3 });
    expect(await failoverPerformance(db.pool, { signalType: 'rebalance-recommendation' })).toMatchObject({ successful: 1, totalEvents: 1 });
  });
});
