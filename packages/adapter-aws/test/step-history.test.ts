import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { priceAt, sampleStepFunction, toStepFunction } from '../src/index.js';

const changes = fc.array(fc.record({ time: fc.integer({ min: 0, max: 100 }), price: fc.constantFrom(0.03, 0.035, 0.04, 0.0525) }), { maxLength: 30 });

describe('spot price history is a step function', () => {
  it('between two changes the price is that of the earlier one, never interpolated', () => {
    const h = toStepFunction([{ time: 0, price: 0.05 }, { time: 1200, price: 0.06 }]);
    expect(sampleStepFunction(h, 0, 1200, 300).map((p) => p.price)).toEqual([0.05, 0.05, 0.05, 0.05, 0.06]);
    expect(priceAt(h, -1)).toBeUndefined();
  });

  it('property: every sampled price is the last reported change at or before the sample time', () => {
    fc.assert(fc.property(changes, fc.integer({ min: 1, max: 20 }), (points, step) => {
      const h = toStepFunction(points);
      for (const s of sampleStepFunction(h, -5, 105, step)) {
        const last = [...h].filter((p) => p.time <= s.time).sort((a, b) => a.time - b.time).at(-1);
        expect(s.price).toBe(last?.price);
      }
    }));
  });

  it('property: normalising keeps time order, one point per time, only real changes, and the same price at every moment', () => {
    fc.assert(fc.property(changes, fc.integer({ min: -1, max: 101 }), (points, t) => {
      const h = toStepFunction(points);
      for (let i = 1; i < h.length; i++) {
        expect(h[i]!.time).toBeGreaterThan(h[i - 1]!.time);
        expect(h[i]!.price).not.toBe(h[i - 1]!.price);
      }
      // Normalising twice changes nothing, and it does not change the price in force at any time.
      expect(toStepFunction(h)).toEqual(h);
      expect(priceAt(h, t)).toBe(priceAt(toStepFunction([...h, ...h]), t));
    }));
  });
});
