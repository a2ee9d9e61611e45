import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Role } from '../src/ports/types.js';
import { pairMutualNearest } from '../src/timeline/pairing.js';
import type { SourcePoint } from '../src/timeline/source-points.js';

const src = (role: Role, timestamp: number): SourcePoint => ({ role, timestamp, price: 1, origin: -1, sibling: null, partner: null, recompute: false });

/** Pairs as `primary~replica` timestamps. */
function pairs(primaryTimes: number[], replicaTimes: number[], tolerance = 30): string[] {
  const primaries = primaryTimes.map((t) => src('primary', t));
  const replicas = replicaTimes.map((t) => src('replica', t));
  pairMutualNearest(primaries, replicas, tolerance);
  return primaries.filter((p) => p.partner !== null).map((p) => `${p.timestamp}~${p.partner!.timestamp}`);
}

/** The rule written out the slow way: nearest within tolerance, ties to the earlier, kept when mutual. */
function reference(primaryTimes: number[], replicaTimes: number[], tolerance: number): string[] {
  const nearest = (t: number, others: number[]) => {
    let best: number | undefined;
    for (const o of others) {
      const d = Math.abs(o - t);
      if (d > tolerance) continue;
      if (best === undefined || d < Math.abs(best - t) || (d === Math.abs(best - t) && o < best)) best = o;
    }
    return best;
  };
  return primaryTimes.flatMap((p) => {
    const r = nearest(p, replicaTimes);
    return r !== undefined && nearest(r, primaryTimes) === p ? [`${p}~${r}`] : [];
  });
}

describe('pairing primary and replica reports by mutual nearest neighbour', () => {
  it('pairs reports of one observation up to 30 s apart, not 31', () => {
    expect(pairs([1000, 2000], [1030, 2031])).toEqual(['1000~1030']);
  });

  it('pairs each report with its nearest twin, leaving the farther one alone', () => {
    expect(pairs([1000], [990, 1005])).toEqual(['1000~1005']);
  });

  it('breaks a tie between two equally near twins towards the earlier timestamp', () => {
    expect(pairs([1000], [990, 1010])).toEqual(['1000~990']);
    expect(pairs([990, 1010], [1000])).toEqual(['990~1000']);
  });

  it('pairs only mutual nearest neighbours: a replica between two primaries takes the nearer one', () => {
    // 1025 is nearest to 1040 (15 s) and 1040's nearest replica is 1025: the primary at 1000 stays alone.
    expect(pairs([1000, 1040], [1025])).toEqual(['1040~1025']);
    // 1040's nearest replica is 1050, so 1025 (nearest to 1040) finds no mutual partner.
    expect(pairs([1000, 1040], [1025, 1050])).toEqual(['1040~1050']);
  });

  it('agrees with the rule written out the slow way, for any reports', () => {
    const times = fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { maxLength: 25 }).map((ts) => ts.sort((a, b) => a - b));
    fc.assert(
      fc.property(times, times, fc.integer({ min: 0, max: 60 }), (p, r, tol) => {
        expect(pairs(p, r, tol)).toEqual(reference(p, r, tol));
      }),
      { numRuns: 500 },
    );
  });
});
