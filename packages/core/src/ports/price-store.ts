import type { QualityFlag, SeriesKey, StoredPoint } from './types.js';

/** The part of one series the core wants to see before it writes: real points in `[from, to]`. */
export interface SeriesWindowRequest {
  readonly series: SeriesKey;
  /** Unix seconds, inclusive. */
  readonly from: number;
  /** Unix seconds, inclusive. */
  readonly to: number;
}

/**
 * What the store holds for a requested window, widened to the neighbouring real points:
 * every point (real or interpolated) with `left <= timestamp <= right`, sorted by timestamp, where
 * `left` is the timestamp of the last real point before `from` (or `from` when there is none) and
 * `right` that of the first real point after `to` (or `to`).
 */
export interface SeriesWindow {
  readonly series: SeriesKey;
  readonly left: number;
  readonly right: number;
  readonly points: readonly StoredPoint[];
}

/** The writes for one series: points to insert or overwrite (by timestamp), and timestamps to delete. */
export interface SeriesChange {
  readonly series: SeriesKey;
  readonly upsert: readonly StoredPoint[];
  readonly remove: readonly number[];
}

/** Counts per day (UTC) for the data-quality query of the spec. */
export interface DataQualityDay {
  /** `YYYY-MM-DD`, UTC. */
  readonly date: string;
  readonly totalPoints: number;
  readonly interpolated: number;
  readonly averaged: number;
  /** Percentage of interpolated points, rounded to 2 decimals. */
  readonly pctInterpolated: number;
}

export type FlagCounts = Readonly<Record<QualityFlag, number>>;

/**
 * Durable store of price timelines (`pricing_reports`).
 *
 * The store is deliberately dumb: the core computes the timeline (dedupe, merge, interpolation) as a pure
 * function of what is stored plus the new reports, and the store only has to give it a consistent view
 * and apply the result.
 *
 * Promises:
 * - `update` is atomic and isolated per series: while one call works on a series, no other call (in this
 *   process or another sharing the store) reads or writes it; either every change of the call is applied
 *   or none is. Calls on disjoint series may run in parallel.
 * - `compute` is pure and may be called more than once if the store retries (e.g. after a serialization
 *   failure); only the changes of the last call are applied.
 * - At most one point per series and timestamp, ever.
 * - Failures surface as `StorageError` (retryable or not) with the driver's error as `cause`; nothing of a
 *   failed call is applied.
 *
 * Out of contract: validation (the core does it) and ordering between calls on the same series (callers
 * must not depend on it: the core's results do not).
 */
export interface PriceStore {
  update(
    requests: readonly SeriesWindowRequest[],
    compute: (windows: readonly SeriesWindow[]) => readonly SeriesChange[],
  ): Promise<void>;
  /** Points with `from <= timestamp <= to`, sorted by timestamp. */
  timeline(series: SeriesKey, from: number, to: number): Promise<StoredPoint[]>;
  /** Series known for an agent (every pool it has points in). */
  seriesOf(agentId: string): Promise<SeriesKey[]>;
  /** Points per flag, for one agent or all. */
  countByFlag(agentId?: string): Promise<FlagCounts>;
  /** The spec's data-quality query: per UTC day of the point's timestamp, days with `timestamp >= since` (seconds). */
  dataQualityByDay(since: number): Promise<DataQualityDay[]>;
}
