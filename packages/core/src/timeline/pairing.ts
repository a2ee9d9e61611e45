import { nearerTwin, withinTolerance } from '../dedupe/twin-rules.js';
import type { SourcePoint } from './source-points.js';

/**
 * For each point of `from` (sorted), the index of its nearest point in `to` (sorted) within `tolerance`
 * seconds, or -1. Equal distances go to the earlier timestamp. One linear sweep.
 */
export function nearestWithin(from: readonly SourcePoint[], to: readonly SourcePoint[], tolerance: number): Int32Array {
  const out = new Int32Array(from.length).fill(-1);
  let j = 0;
  for (let i = 0; i < from.length; i++) {
    const t = from[i]!.timestamp;
    while (j < to.length && to[j]!.timestamp < t) j++;
    // Candidates: the last point before t (j - 1) and the first at or after it (j).
    let best = -1;
    let bestDistance = Infinity;
    if (j > 0) {
      bestDistance = t - to[j - 1]!.timestamp;
      best = j - 1;
    }
    if (j < to.length && nearerTwin(to[j]!.timestamp - t, to[j]!.timestamp, bestDistance, best >= 0 ? to[best]!.timestamp : Infinity)) {
      bestDistance = to[j]!.timestamp - t;
      best = j;
    }
    if (best >= 0 && withinTolerance(bestDistance, tolerance)) out[i] = best;
  }
  return out;
}

/**
 * Pairs primaries and replicas by MUTUAL nearest neighbour within `tolerance` (|Δt| ≤ tolerance): a primary
 * and a replica are twins when each is the other's nearest point of the opposite role. The rule depends only
 * on the points themselves, never on arrival order, and it is local: a new point can change the pairing of
 * points at most 2·tolerance away from it. Sets `partner` on every point (null when unpaired).
 */
export function pairMutualNearest(primaries: readonly SourcePoint[], replicas: readonly SourcePoint[], tolerance: number): void {
  const forward = nearestWithin(primaries, replicas, tolerance);
  const backward = nearestWithin(replicas, primaries, tolerance);
  for (const p of primaries) p.partner = null;
  for (const r of replicas) r.partner = null;
  for (let i = 0; i < primaries.length; i++) {
    const j = forward[i]!;
    if (j >= 0 && backward[j] === i) {
      const p = primaries[i]!;
      const r = replicas[j]!;
      p.partner = r;
      r.partner = p;
    }
  }
}
