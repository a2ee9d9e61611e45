import type { Issue } from '@sef/core';

/**
 * The decisions of the dedupe buffer, as they are written to its log in Redis. Every instance applies the
 * same decisions in the same order, so every instance holds the same waiting reports. A log entry is a
 * JSON array (exact for every number and string) of decisions, each preceded by the `now` (ms) of the
 * call that made it: a number item sets the time for the decisions after it. Roles are 0 (primary) and
 * 1 (replica); a series is its `seriesId`.
 */

/** A report waits: series, role, timestamp, price, instance id (it arrived at the entry's `now`). */
export type WaitOp = readonly [0, string, Role01, number, number, string];
/** A repeat of a waiting report (same series, role, timestamp) with a lower price replaced its price and instance. */
export type RepriceOp = readonly [1, string, Role01, number, number, string];
/**
 * A report (role, timestamp) found the waiting twin of the other role with timestamp `twinTs` and left
 * with it at `now`: the twin stops waiting, and the pair is remembered for a repeat of the report.
 */
export type PairOp = readonly [2, string, Role01, number, number];
/** A waiting report whose window closed was released by a sweep. */
export type ReleaseOp = readonly [3, string, Role01, number];
/**
 * Report (role, timestamp) came back and was handed its latest pair again at `now`: the pair is re-armed
 * (remembered from `now`, see core's `pairRearmedAt`), so every instance keeps it as long as the deciding one.
 */
export type RearmOp = readonly [4, string, Role01, number];

export type Role01 = 0 | 1;
export type BufferOp = WaitOp | RepriceOp | PairOp | ReleaseOp | RearmOp;

// The text of each decision, from parts already JSON where they are strings (series and instance ids,
// which the state caches as JSON).
export const waitOp = (sid: string, role: Role01, ts: number, price: number, inst: string) => `[0,${sid},${role},${ts},${price},${inst}]`;
export const repriceOp = (sid: string, role: Role01, ts: number, price: number, inst: string) => `[1,${sid},${role},${ts},${price},${inst}]`;
export const pairOp = (sid: string, role: Role01, ts: number, twinTs: number) => `[2,${sid},${role},${ts},${twinTs}]`;
export const releaseOp = (sid: string, role: Role01, ts: number) => `[3,${sid},${role},${ts}]`;
export const rearmOp = (sid: string, role: Role01, ts: number) => `[4,${sid},${role},${ts}]`;

/** One log entry from its items, each already JSON. */
export const encodeEntry = (items: readonly string[]): string => `[${items.join(',')}]`;

/** The items of one log entry: times (numbers) and the decisions they apply to. */
export const decodeEntry = (entry: string): (number | BufferOp)[] => JSON.parse(entry) as (number | BufferOp)[];

/**
 * What stops reports from going into the log: JSON has no NaN or Infinity, and an entry no instance can
 * parse would stop every instance. The core validates reports long before; this guards direct callers.
 */
export function unloggable(reports: readonly { readonly timestamp: number; readonly price: number }[]): Issue[] {
  const issues: Issue[] = [];
  reports.forEach((r, i) => {
    if (!Number.isFinite(r.timestamp)) issues.push({ path: `[${i}].timestamp`, code: 'not_finite', message: `must be a finite number, got ${r.timestamp}` });
    if (!Number.isFinite(r.price)) issues.push({ path: `[${i}].price`, code: 'not_finite', message: `must be a finite number, got ${r.price}` });
  });
  return issues;
}
