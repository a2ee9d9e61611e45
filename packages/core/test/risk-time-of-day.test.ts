import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/errors/index.js';
import { historyFactor, resolveRiskHeuristic } from '../src/risk/factors.js';
import { timeOfDayInterruptions, utcHour } from '../src/risk/time-of-day.js';
import { newSignalEvent } from '../src/testing/event-store.js';
import { createHarness, T0 } from './replica-harness.js';

const H = 3_600_000;
const defaults = { weight: 0.5, windowHours: 1, prior: 4 };
const byHourArb = fc.array(fc.nat({ max: 20 }), { minLength: 24, maxLength: 24 });
const optionsArb = fc.record({ weight: fc.double({ min: 0, max: 1, noNaN: true }), windowHours: fc.integer({ min: 0, max: 11 }), prior: fc.double({ min: 0, max: 50, noNaN: true }) });
const at = (hour: number, n = 1) => Array.from({ length: 24 }, (_, h) => (h === hour ? n : 0));

describe('time-of-day shaping of the interruption history', () => {
  it('gives the plain count back for interruptions spread evenly over the day, or with α = 0 (property)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 50 }), fc.integer({ min: 0, max: 23 }), optionsArb, (each, hour, options) => {
        expect(timeOfDayInterruptions(Array(24).fill(each), hour, options)).toBeCloseTo(24 * each, 9);
      }),
    );
    fc.assert(
      fc.property(byHourArb, fc.integer({ min: 0, max: 23 }), optionsArb, (byHour, hour, options) => {
        const n = byHour.reduce((a, b) => a + b, 0);
        expect(timeOfDayInterruptions(byHour, hour, { ...options, weight: 0 })).toBeCloseTo(n, 9);
      }),
    );
  });

  it('counts one interruption at this time of day as 1.7 (history 0.573) and one twelve hours away as 0.9 (0.362)', () => {
    expect(timeOfDayInterruptions(at(14), 14, defaults)).toBeCloseTo(1.7, 12);
    expect(timeOfDayInterruptions(at(13), 14, defaults)).toBeCloseTo(1.7, 12); // within the ±1 h window
    expect(timeOfDayInterruptions(at(2), 14, defaults)).toBeCloseTo(0.9, 12);
    expect(historyFactor(1.7)).toBeCloseTo(0.5726, 4);
    expect(historyFactor(0.9)).toBeCloseTo(0.3624, 4);
    // The window wraps around midnight.
    expect(timeOfDayInterruptions(at(23), 0, defaults)).toBeCloseTo(1.7, 12);
    // Many interruptions at other hours still count: 10 at 02:00 seen at 14:00 give 6.4, not 0.
    expect(timeOfDayInterruptions(at(2, 10), 14, defaults)).toBeCloseTo(5 + 0.5 * 10 * (0.5 / 14) * 8, 12);
  });

  it('never falls for another interruption, and rises more for one at this time of day (property)', () => {
    fc.assert(
      fc.property(byHourArb, fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 23 }), optionsArb, (byHour, hour, extra, options) => {
        const before = timeOfDayInterruptions(byHour, hour, options);
        const more = [...byHour];
        more[extra]!++;
        const near = [...byHour];
        near[hour]!++;
        const after = timeOfDayInterruptions(more, hour, options);
        expect(after).toBeGreaterThanOrEqual(before - 1e-9);
        expect(timeOfDayInterruptions(near, hour, options)).toBeGreaterThanOrEqual(after - 1e-9);
      }),
    );
  });

  it('stays between (1 − α)·n and (1 − α)·n + α·n·24/(2W + 1) (property)', () => {
    fc.assert(
      fc.property(byHourArb, fc.integer({ min: 0, max: 23 }), optionsArb, (byHour, hour, o) => {
        const n = byHour.reduce((a, b) => a + b, 0);
        const x = timeOfDayInterruptions(byHour, hour, o);
        expect(x).toBeGreaterThanOrEqual((1 - o.weight) * n - 1e-9);
        expect(x).toBeLessThanOrEqual((1 - o.weight) * n + (o.weight * n * 24) / (2 * o.windowHours + 1) + 1e-9);
      }),
    );
  });

  it('reads the UTC hour of a time, before the epoch too', () => {
    expect(utcHour(Date.UTC(2026, 0, 1, 0, 0))).toBe(0);
    expect(utcHour(Date.UTC(2026, 0, 1, 23, 59, 59, 999))).toBe(23);
    expect(utcHour(Date.UTC(2026, 5, 30, 14, 30))).toBe(14);
    expect(utcHour(-1)).toBe(23);
  });

  it('shapes the scored history factor by the hour of the pool’s past interruptions', async () => {
    for (const [hoursAway, expected] of [[0, 0.5726], [12, 0.3624]] as const) {
      const h = createHarness();
      const agent = await h.agent('a1');
      const when = T0 - 5 * 24 * H + hoursAway * H;
      await h.storage.events.recordSignal(newSignalEvent('old', { agentId: 'b1', instanceId: 'i-x', poolId: agent.poolId, detectedAt: when, noticeTime: when }));
      expect((await h.sef.scoreRisk('a1')).factors.interruptionHistory).toBeCloseTo(expected, 4);
    }
  });

  it('refuses heuristic constants out of range, naming each', () => {
    expect(() => resolveRiskHeuristic({ timeOfDayWeight: 1.5, timeOfDayWindowHours: 2.5, timeOfDayPrior: -1, historyScale: 0 })).toThrow(ConfigError);
    const error = (() => {
      try {
        resolveRiskHeuristic({ timeOfDayWeight: 1.5, timeOfDayWindowHours: 12, timeOfDayPrior: -1, historyScale: Number.NaN });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.path)).toEqual(['riskHeuristic.historyScale', 'riskHeuristic.timeOfDayWeight', 'riskHeuristic.timeOfDayWindowHours', 'riskHeuristic.timeOfDayPrior']);
    expect(resolveRiskHeuristic(undefined)).toMatchObject({ timeOfDayWeight: 0.5, timeOfDayWindowHours: 1, timeOfDayPrior: 4 });
  });
});
