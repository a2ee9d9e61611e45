import type { Role, SourceReport, StoredPoint } from '../ports/types.js';

/** One report as the timeline sees it: what an instance said at its own timestamp. */
export interface SourcePoint {
  readonly role: Role;
  readonly timestamp: number;
  price: number;
  /** Index of the stored point it was recovered from (in the window's points), or -1 for a new report. */
  readonly origin: number;
  /** Its twin after pairing, or null. */
  partner: SourcePoint | null;
  /** Set when the point lies in the part of the window whose pairing is recomputed. */
  recompute: boolean;
}

/** The source points of a window, one per (role, timestamp), each role sorted by timestamp. */
export interface SourceSet {
  readonly primaries: SourcePoint[];
  readonly replicas: SourcePoint[];
}

const byTime = (a: SourcePoint, b: SourcePoint) => a.timestamp - b.timestamp;

/**
 * Recovers the source points from stored real points (primary at `timestamp` with `primaryPrice`, replica
 * at `replicaTimestamp ?? timestamp` with `replicaPrice`) and adds the new reports. A (role, timestamp)
 * seen twice keeps the LOWEST price: a resend changes nothing, and conflicting prices resolve the same way
 * whatever their order of arrival (the dedupe buffer applies the same rule).
 */
export function collectSources(stored: readonly StoredPoint[], reports: readonly SourceReport[]): SourceSet {
  const primaries = new Map<number, SourcePoint>();
  const replicas = new Map<number, SourcePoint>();
  const add = (role: Role, timestamp: number, price: number, origin: number) => {
    const into = role === 'primary' ? primaries : replicas;
    const seen = into.get(timestamp);
    if (seen === undefined) into.set(timestamp, { role, timestamp, price, origin, partner: null, recompute: false });
    else if (price < seen.price) seen.price = price;
  };
  for (let i = 0; i < stored.length; i++) {
    const p = stored[i]!;
    if (p.flag === 'interpolated') continue;
    if (p.primaryPrice !== null) add('primary', p.timestamp, p.primaryPrice, i);
    if (p.replicaPrice !== null) add('replica', p.replicaTimestamp ?? p.timestamp, p.replicaPrice, i);
  }
  for (const r of reports) add(r.role, r.timestamp, r.price, -1);
  return { primaries: [...primaries.values()].sort(byTime), replicas: [...replicas.values()].sort(byTime) };
}
