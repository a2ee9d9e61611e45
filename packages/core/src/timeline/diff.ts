import type { StoredPoint } from '../ports/types.js';

/** Do two points of one series hold the same row? */
export function samePoint(a: StoredPoint, b: StoredPoint): boolean {
  return (
    a.timestamp === b.timestamp &&
    a.price === b.price &&
    a.flag === b.flag &&
    a.source === b.source &&
    a.primaryPrice === b.primaryPrice &&
    a.replicaPrice === b.replicaPrice &&
    a.replicaTimestamp === b.replicaTimestamp
  );
}

/**
 * The writes that turn `stored` into `next` (both sorted by timestamp): points that are new or differ, and
 * timestamps that are gone. An in-order append therefore writes only the new row and its interpolated points.
 */
export function diffPoints(stored: readonly StoredPoint[], next: readonly StoredPoint[]): { upsert: StoredPoint[]; remove: number[] } {
  const upsert: StoredPoint[] = [];
  const remove: number[] = [];
  let i = 0;
  let j = 0;
  while (i < stored.length || j < next.length) {
    const a = stored[i];
    const b = next[j];
    if (b === undefined || (a !== undefined && a.timestamp < b.timestamp)) {
      remove.push(a!.timestamp);
      i++;
    } else if (a === undefined || b.timestamp < a.timestamp) {
      upsert.push(b);
      j++;
    } else {
      if (!samePoint(a, b)) upsert.push(b);
      i++;
      j++;
    }
  }
  return { upsert, remove };
}
