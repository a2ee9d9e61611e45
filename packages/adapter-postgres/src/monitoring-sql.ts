import type { DataQualityDay, FailoverStats, ReplicaStats, ReplicaType } from '@sef/core';
import type { Tables } from './tables.js';
import { num, numOrNull } from './rows.js';

/**
 * The spec's three monitoring queries in PostgreSQL, each over rows at or after `since` (an SQL
 * expression of type timestamptz, e.g. `now() - interval '7 days'` as in the spec).
 * MySQL's `DATE(x)` becomes the UTC date, `TIMESTAMPDIFF(SECOND, a, b)` `extract(epoch from b - a)`;
 * the rest is the spec's SQL as written. The failover query takes a signal type as `$2` (null: every
 * event, as the spec counts them).
 */
export function monitoringSql(t: Tables, since: string) {
  return {
    dataQuality: `SELECT
    to_char(("timestamp" AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS date,
    COUNT(*) AS total_points,
    SUM(CASE WHEN data_quality_flag = 'interpolated' THEN 1 ELSE 0 END) AS interpolated,
    SUM(CASE WHEN data_quality_flag = 'averaged_dual_source' THEN 1 ELSE 0 END) AS averaged,
    ROUND(100.0 * SUM(CASE WHEN data_quality_flag = 'interpolated' THEN 1 ELSE 0 END) / COUNT(*), 2)::float8 AS pct_interpolated
  FROM ${t.prices}
  WHERE processed_by = 'smart_emergency_fallback'
    AND "timestamp" >= ${since}
  GROUP BY 1
  ORDER BY date DESC`,
    replicaPerformance: `SELECT
    replica_type,
    COUNT(*) AS total_created,
    AVG(extract(epoch from ready_at - created_at))::float8 AS avg_ready_time_sec,
    SUM(CASE WHEN status = 'promoted' THEN 1 ELSE 0 END) AS promoted_count,
    SUM(CASE WHEN status = 'terminated' THEN 1 ELSE 0 END) AS terminated_unused
  FROM ${t.replicas}
  WHERE created_at >= ${since}
  GROUP BY replica_type
  ORDER BY array_position(ARRAY['auto', 'manual', 'emergency'], replica_type)`,
    failoverPerformance: `SELECT
    AVG(response_time_ms / 1000.0)::float8 AS avg_response_sec,
    MIN(response_time_ms / 1000.0)::float8 AS fastest_sec,
    MAX(response_time_ms / 1000.0)::float8 AS slowest_sec,
    SUM(CASE WHEN success = TRUE THEN 1 ELSE 0 END) AS successful,
    COUNT(*) AS total_events
  FROM ${t.signals}
  WHERE detected_at >= ${since} AND ($2::text IS NULL OR signal_type = $2)`,
  };
}

export const dataQualityRow = (r: Record<string, unknown>): DataQualityDay => ({
  date: r['date'] as string,
  totalPoints: num(r['total_points']),
  interpolated: num(r['interpolated']),
  averaged: num(r['averaged']),
  pctInterpolated: num(r['pct_interpolated']),
});

export const replicaStatsRow = (r: Record<string, unknown>): ReplicaStats => ({
  replicaType: r['replica_type'] as ReplicaType,
  totalCreated: num(r['total_created']),
  avgReadyTimeSec: numOrNull(r['avg_ready_time_sec']),
  promotedCount: num(r['promoted_count']),
  terminatedUnused: num(r['terminated_unused']),
});

export const failoverStatsRow = (r: Record<string, unknown> | undefined): FailoverStats => ({
  avgResponseSec: numOrNull(r?.['avg_response_sec']),
  fastestSec: numOrNull(r?.['fastest_sec']),
  slowestSec: numOrNull(r?.['slowest_sec']),
  successful: num(r?.['successful'] ?? 0),
  totalEvents: num(r?.['total_events'] ?? 0),
});
