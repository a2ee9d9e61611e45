import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import type { StoredPoint } from '../src/ports/types.js';
import { interpolateGap } from '../src/timeline/interpolate.js';
import { singlePoint } from '../src/timeline/merge.js';

const config = parseConfig();
const series = { agentId: 'a1', poolId: 'us-east-1a:c5.large' };
const real = (t: number, price: number) => singlePoint(series, 'primary', t, price);
const fill = (a: StoredPoint, b: StoredPoint, c = config) => {
  const out: StoredPoint[] = [];
  interpolateGap(series, a, b, c, out);
  return out;
};

describe('filling gaps by linear interpolation', () => {
  it('a 20-minute gap is filled at 300, 600 and 900 with exactly 0.0525, 0.055 and 0.0575', () => {
    const points = fill(real(0, 0.05), real(1200, 0.06));
    expect(points.map((p) => [p.timestamp, p.price, p.flag, p.source])).toEqual([
      [300, 0.0525, 'interpolated', 'interpolated'],
      [600, 0.055, 'interpolated', 'interpolated'],
      [900, 0.0575, 'interpolated', 'interpolated'],
    ]);
    expect(points.every((p) => p.primaryPrice === null && p.replicaPrice === null && p.replicaTimestamp === null)).toBe(true);
  });

  it('a 30-minute gap (exactly interpolation_max_gap) is still filled, at 300 … 1500', () => {
    expect(fill(real(0, 1), real(1800, 2)).map((p) => p.timestamp)).toEqual([300, 600, 900, 1200, 1500]);
  });

  it('a gap one second over 30 minutes is left open', () => {
    expect(fill(real(0, 1), real(1801, 2))).toEqual([]);
  });

  it('a 5-minute step between reports needs no point; one missing report gives one point', () => {
    expect(fill(real(0, 1), real(300, 2))).toEqual([]);
    expect(fill(real(0, 1), real(600, 2)).map((p) => [p.timestamp, p.price])).toEqual([[300, 1.5]]);
  });

  it('writes no point closer than half a step to the right neighbour', () => {
    expect(fill(real(0, 1), real(1349, 2)).map((p) => p.timestamp)).toEqual([300, 600, 900]);
    expect(fill(real(0, 1), real(1350, 2)).map((p) => p.timestamp)).toEqual([300, 600, 900, 1200]);
  });

  it('counts the steps from the left neighbour, whatever its jitter', () => {
    expect(fill(real(1017, 1), real(1611, 2)).map((p) => p.timestamp)).toEqual([1317]);
  });

  it('puts every point on the line between its neighbours, rounded to pricePrecision', () => {
    const arb = fc.record({
      t0: fc.integer({ min: 0, max: 1e9 }),
      gap: fc.integer({ min: 1, max: 1800 }),
      v0: fc.integer({ min: 1, max: 1e7 }).map((u) => u / 1e6),
      v1: fc.integer({ min: 1, max: 1e7 }).map((u) => u / 1e6),
      precision: fc.integer({ min: 2, max: 10 }),
    });
    fc.assert(
      fc.property(arb, ({ t0, gap, v0, v1, precision }) => {
        const c = { ...config, pricePrecision: precision };
        const points = fill(real(t0, v0), real(t0 + gap, v1), c);
        const expected: number[] = [];
        for (let k = 1; t0 + gap - (t0 + k * 300) >= 150; k++) expected.push(t0 + k * 300);
        expect(points.map((p) => p.timestamp)).toEqual(expected);
        for (const p of points) {
          const line = v0 + ((v1 - v0) * (p.timestamp - t0)) / gap;
          expect(Math.abs(p.price - line)).toBeLessThanOrEqual(0.5 * 10 ** -precision + 1e-12);
          expect(p.price.toString().split('.')[1]?.length ?? 0).toBeLessThanOrEqual(precision);
        }
      }),
      { numRuns: 500 },
    );
  });
});
