import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { ageFactor, combineRisk, historyFactor, volatilityFactor } from '../src/risk/factors.js';

const H = 3_600_000;
const weights = parseConfig().riskWeights;

describe('risk factors', () => {
  it('weighs history 0.4, age 0.3 and volatility 0.3 (the spec): a pool that interrupts constantly alone scores 0.4', () => {
    expect(weights).toEqual({ interruptionHistory: 0.4, instanceAge: 0.3, priceVolatility: 0.3 });
    expect(combineRisk({ interruptionHistory: 1, instanceAge: 0, priceVolatility: 0 }, weights)).toBeCloseTo(0.4, 12);
    expect(combineRisk({ interruptionHistory: 0.5, instanceAge: 0.5, priceVolatility: 0.5 }, weights)).toBeCloseTo(0.5, 12);
  });

  it('history = 1 − exp(−n / 2): none 0, one 0.393, three 0.777', () => {
    expect(historyFactor(0)).toBe(0);
    expect(historyFactor(1)).toBeCloseTo(1 - Math.exp(-0.5), 12);
    expect(historyFactor(3)).toBeCloseTo(0.7769, 4);
  });

  it('age = min(1, age / 7 days): a fresh instance 0, 3.5 days 0.5, older than a week 1', () => {
    expect(ageFactor(0)).toBe(0);
    expect(ageFactor(84 * H)).toBeCloseTo(0.5, 12);
    expect(ageFactor(30 * 24 * H)).toBe(1);
    expect(ageFactor(-5)).toBe(0);
  });

  it('volatility is the time-weighted coefficient of variation of the step function, over 0.2', () => {
    // 0.04 for 12 h then 0.06 for 12 h: mean 0.05, σ 0.01, cv 0.2 → 1.
    expect(volatilityFactor([{ time: 0, price: 0.04 }, { time: 12 * H, price: 0.06 }], 0, 24 * H)).toBeCloseTo(1, 9);
    // 0.04 for 18 h then 0.08 for 6 h: mean 0.05, σ = sqrt(0.75·0.01² + 0.25·0.03²) = 0.01732, cv 0.3464 → clipped 1.
    expect(volatilityFactor([{ time: 0, price: 0.04 }, { time: 18 * H, price: 0.08 }], 0, 24 * H)).toBe(1);
    // 0.049 / 0.051 half and half: cv 0.02 → 0.1. The change before the window counts from `from`.
    expect(volatilityFactor([{ time: -5 * H, price: 0.049 }, { time: 12 * H, price: 0.051 }], 0, 24 * H)).toBeCloseTo(0.1, 9);
    expect(volatilityFactor([{ time: 0, price: 0.05 }], 0, 24 * H)).toBe(0);
    expect(volatilityFactor([], 0, 24 * H)).toBe(0);
  });

  it('every factor and the combined score stay in [0, 1] (property)', () => {
    const history = fc.array(fc.record({ time: fc.integer({ min: -48 * H, max: 24 * H }), price: fc.double({ min: 0, max: 100, noNaN: true }) }), { maxLength: 30 });
    fc.assert(
      fc.property(fc.nat(1000), fc.integer({ min: -1e12, max: 1e12 }), history, (n, age, raw) => {
        const h = [...raw].sort((a, b) => a.time - b.time);
        const f = { interruptionHistory: historyFactor(n), instanceAge: ageFactor(age), priceVolatility: volatilityFactor(h, 0, 24 * H) };
        for (const v of [...Object.values(f), combineRisk(f, weights)]) expect(v >= 0 && v <= 1).toBe(true);
      }),
    );
  });

  it('more interruptions or an older instance never lower the risk (property)', () => {
    fc.assert(fc.property(fc.nat(100), fc.nat(100), (a, b) => {
      expect(historyFactor(Math.min(a, b))).toBeLessThanOrEqual(historyFactor(Math.max(a, b)));
    }));
    fc.assert(fc.property(fc.nat(), fc.nat(), (a, b) => {
      expect(ageFactor(Math.min(a, b))).toBeLessThanOrEqual(ageFactor(Math.max(a, b)));
    }));
  });

  it('volatility does not depend on the currency unit: scaling every price leaves it unchanged (property)', () => {
    const prices = fc.array(fc.double({ min: 0.001, max: 10, noNaN: true }), { minLength: 1, maxLength: 24 });
    fc.assert(
      fc.property(prices, fc.double({ min: 0.01, max: 100, noNaN: true }), (ps, c) => {
        const h = ps.map((price, i) => ({ time: i * H, price }));
        const scaled = h.map((p) => ({ ...p, price: p.price * c }));
        expect(volatilityFactor(scaled, 0, 24 * H)).toBeCloseTo(volatilityFactor(h, 0, 24 * H), 6);
      }),
    );
  });
});
