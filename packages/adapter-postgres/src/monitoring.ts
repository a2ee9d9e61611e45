import type { DataQualityDay, FailoverStats, ReplicaStats, SignalType } from '@sef/core';
import type { Pool } from 'pg';
import { query, type Db } from './db.js';
import { dataQualityRow, failoverStatsRow, monitoringSql, replicaStatsRow } from './monitoring-sql.js';
import { tables } from './tables.js';

export interface MonitoringOptions {
  /** Schema of the tables. @default found through `search_path` */
  readonly schema?: string;
  /** How far back from the server's `now()` the query looks, as a PostgreSQL interval. @default the spec's: '7 days' (data quality, replicas), '30 days' (failovers) */
  readonly window?: string;
}

/** The failover query's options: also which notices it counts. */
export interface FailoverPerformanceOptions extends MonitoringOptions {
  /** Only notices of this type (`'termination-notice'`: the failovers proper). @default every event, as the spec's query counts them */
  readonly signalType?: SignalType;
}

/** One row of the spec's data-quality query: one UTC day. */
export type DataQualityRow = DataQualityDay;
/** One row of the spec's replica performance query: one replica type. */
export type ReplicaPerformanceRow = ReplicaStats;
/** The single row of the spec's failover performance query. */
export type FailoverPerformanceRow = FailoverStats;

const run = async (pool: Pool, what: string, text: string, params: unknown[]) =>
  query({ pool, onError: () => undefined, attempts: 1 } satisfies Db, what, text, params);

/**
 * The spec's "data quality over time": per UTC day of the last 7 days, points, interpolated and averaged
 * counts and the interpolated share in percent (2 decimals), newest day first.
 * @example
 * const days = await dataQualityOverTime(pool, { schema: 'sef' });
 * if (days[0] && days[0].pctInterpolated > 20) alert('high interpolation rate');
 */
export async function dataQualityOverTime(pool: Pool, options: MonitoringOptions = {}): Promise<DataQualityRow[]> {
  const sql = monitoringSql(tables(options.schema), 'now() - $1::interval').dataQuality;
  return (await run(pool, 'dataQualityOverTime', sql, [options.window ?? '7 days'])).map(dataQualityRow);
}

/**
 * The spec's "replica performance": per replica type created in the last 7 days, how many, the average
 * seconds to ready, how many were promoted and how many terminated unused.
 * @example
 * const slow = (await replicaPerformance(pool)).filter((r) => (r.avgReadyTimeSec ?? 0) > 180);
 */
export async function replicaPerformance(pool: Pool, options: MonitoringOptions = {}): Promise<ReplicaPerformanceRow[]> {
  const sql = monitoringSql(tables(options.schema), 'now() - $1::interval').replicaPerformance;
  return (await run(pool, 'replicaPerformance', sql, [options.window ?? '7 days'])).map(replicaStatsRow);
}

/**
 * The spec's "failover performance" over the interruption events of the last 30 days (every event as
 * the spec counts them, or only `signalType`): average, fastest and slowest response in seconds (null
 * without events), successes and total.
 * @example
 * const { successful, totalEvents } = await failoverPerformance(pool, { signalType: 'termination-notice' });
 * if (successful < totalEvents) alert('a failover failed');
 */
export async function failoverPerformance(pool: Pool, options: FailoverPerformanceOptions = {}): Promise<FailoverPerformanceRow> {
  const sql = monitoringSql(tables(options.schema), 'now() - $1::interval').failoverPerformance;
  return failoverStatsRow((await run(pool, 'failoverPerformance', sql, [options.window ?? '30 days', options.signalType ?? null]))[0]);
}
