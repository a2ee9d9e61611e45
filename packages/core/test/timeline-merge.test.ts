import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { mergePair, singlePoint } from '../src/timeline/merge.js';
import { roundPrice } from '../src/timeline/price-math.js';

const config = parseConfig();
const series = { agentId: 'a1', poolId: 'us-east-1a:c5.large' };

describe('merging the primary and the replica report of one observation', () => {
  it("reports 0.0456 and 0.0458 at T=1000 differ by 0.44 %: the primary's value is kept, verified_dual_source", () => {
    expect(mergePair(series, { timestamp: 1000, price: 0.0456 }, { timestamp: 1000, price: 0.0458 }, config)).toEqual({
      ...series,
      timestamp: 1000,
      price: 0.0456,
      flag: 'verified_dual_source',
      source: 'dual',
      primaryPrice: 0.0456,
      replicaPrice: 0.0458,
      replicaTimestamp: 1000,
    });
  });

  it('a difference of 1 % is averaged and flagged averaged_dual_source', () => {
    const p = mergePair(series, { timestamp: 1000, price: 0.05 }, { timestamp: 1012, price: 0.0505 }, config);
    expect([p.timestamp, p.price, p.flag, p.replicaTimestamp]).toEqual([1000, 0.05025, 'averaged_dual_source', 1012]);
  });

  it('a difference of exactly 0.5 % is not under the tolerance: averaged', () => {
    expect(mergePair(series, { timestamp: 0, price: 0.05 }, { timestamp: 0, price: 0.05025 }, config).flag).toBe('averaged_dual_source');
  });

  it("measures the difference against the primary's price", () => {
    // 0.00501 apart: 0.501 % of 1 (the primary) but 0.4985 % of 1.00501.
    expect(mergePair(series, { timestamp: 0, price: 1 }, { timestamp: 0, price: 1.00501 }, config)).toMatchObject({ flag: 'averaged_dual_source', price: 1.002505 });
    expect(mergePair(series, { timestamp: 0, price: 1.00501 }, { timestamp: 0, price: 1 }, config)).toMatchObject({ flag: 'verified_dual_source', price: 1.00501 });
  });

  it('rounds the average to pricePrecision decimals', () => {
    const p = mergePair(series, { timestamp: 0, price: 0.1 }, { timestamp: 0, price: 0.100000015 }, parseConfig({ dualSourcePriceTolerance: 0 }));
    expect(p.price).toBe(0.10000001);
  });

  it('keeps the primary below the tolerance, else the rounded average, always between both prices', () => {
    const price = fc.integer({ min: 1, max: 10_000_000 }).map((u) => u / 1e6);
    fc.assert(
      fc.property(price, price, (p, r) => {
        const m = mergePair(series, { timestamp: 0, price: p }, { timestamp: 3, price: r }, config);
        if (Math.abs(p - r) / p < 0.005) expect([m.price, m.flag]).toEqual([p, 'verified_dual_source']);
        else expect([m.price, m.flag]).toEqual([roundPrice((p + r) / 2, 8), 'averaged_dual_source']);
        expect(m.price).toBeGreaterThanOrEqual(Math.min(p, r));
        expect(m.price).toBeLessThanOrEqual(Math.max(p, r));
      }),
    );
  });

  it('stores a report without a twin single_source at its own timestamp, keeping its source', () => {
    expect(singlePoint(series, 'replica', 1017, 0.05)).toMatchObject({ timestamp: 1017, price: 0.05, flag: 'single_source', source: 'replica', primaryPrice: null, replicaPrice: 0.05 });
    expect(singlePoint(series, 'primary', 1000, 0.05)).toMatchObject({ source: 'primary', primaryPrice: 0.05, replicaPrice: null, replicaTimestamp: null });
  });
});
