import { repeatReplaces } from '../dedupe/twin-rules.js';
import type { Role, SourceReport, StoredPoint } from '../ports/types.js';

/** One report as the timeline sees it: what an instance said at its own timestamp. */
export interface SourcePoint {
  readonly role: Role;
  readonly timestamp: number;
  price: number;
  /** Index of the stored point it was recovered from (in the window's points), or -1 for a new report. */
  readonly origin: number;
  /** The other source of the same stored point (a stored dual point holds two), or null. */
  sibling: SourcePoint | null;
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

const source = (role: Role, timestamp: number, price: number, origin: number): SourcePoint => ({
  role,
  timestamp,
  price,
  origin,
  sibling: null,
  partner: null,
  recompute: false,
});

function byTime(a: SourcePoint, b: SourcePoint): number {
  return a.timestamp - b.timestamp;
}

function sortIfNeeded(list: SourcePoint[]): void {
  for (let i = 1; i < list.length; i++) {
    if (list[i]!.timestamp < list[i - 1]!.timestamp) {
      list.sort(byTime);
      return;
    }
  }
}

/** Merges two sorted lists into one with a single point per timestamp, keeping the lowest price. */
function mergeLowest(stored: SourcePoint[], added: SourcePoint[]): SourcePoint[] {
  if (added.length === 0 && stored.length < 2) return stored;
  const out: SourcePoint[] = [];
  let i = 0;
  let j = 0;
  while (i < stored.length || j < added.length) {
    const a = stored[i];
    const b = added[j];
    // Stored points go first on a tie, so a resend folds into the point it repeats (keeping its origin).
    const next = b === undefined || (a !== undefined && a.timestamp <= b.timestamp) ? (i++, a!) : (j++, b);
    const last = out[out.length - 1];
    if (last !== undefined && last.timestamp === next.timestamp) {
      if (repeatReplaces(next.price, last.price)) last.price = next.price;
    } else out.push(next);
  }
  return out;
}

/**
 * Recovers the source points from stored real points (primary at `timestamp` with `primaryPrice`, replica
 * at `replicaTimestamp ?? timestamp` with `replicaPrice`) and adds the new reports. A (role, timestamp)
 * seen twice keeps the LOWEST price: a resend changes nothing, and conflicting prices resolve the same way
 * whatever their order of arrival (the dedupe buffer applies the same rule).
 */
export function collectSources(stored: readonly StoredPoint[], reports: readonly SourceReport[]): SourceSet {
  const storedPrimaries: SourcePoint[] = [];
  const storedReplicas: SourcePoint[] = [];
  for (let i = 0; i < stored.length; i++) {
    const p = stored[i]!;
    if (p.flag === 'interpolated') continue;
    const primary = p.primaryPrice !== null ? source('primary', p.timestamp, p.primaryPrice, i) : null;
    const replica = p.replicaPrice !== null ? source('replica', p.replicaTimestamp ?? p.timestamp, p.replicaPrice, i) : null;
    if (primary !== null) storedPrimaries.push(primary);
    if (replica !== null) storedReplicas.push(replica);
    if (primary !== null && replica !== null) {
      primary.sibling = replica;
      replica.sibling = primary;
    }
  }
  const newPrimaries: SourcePoint[] = [];
  const newReplicas: SourcePoint[] = [];
  for (const r of reports) (r.role === 'primary' ? newPrimaries : newReplicas).push(source(r.role, r.timestamp, r.price, -1));
  sortIfNeeded(storedPrimaries);
  sortIfNeeded(storedReplicas);
  sortIfNeeded(newPrimaries);
  sortIfNeeded(newReplicas);
  return { primaries: mergeLowest(storedPrimaries, newPrimaries), replicas: mergeLowest(storedReplicas, newReplicas) };
}
