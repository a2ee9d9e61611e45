import { describe, expect, it } from 'vitest';
import { createFleetSimulation } from '../src/sim/fleet.js';

const start = Date.UTC(2026, 0, 1);

describe('fleet simulation', () => {
  it('is a pure function of its seed', () => {
    const a = [...createFleetSimulation({ seed: 42, start, duration: 6 * 3600 }).batches()];
    const b = [...createFleetSimulation({ seed: 42, start, duration: 6 * 3600 }).batches()];
    const c = [...createFleetSimulation({ seed: 43, start, duration: 6 * 3600 }).batches()];
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('sends batches in arrival order, on the 300 s grid within the jitter, primary and replica twins within 20 s', () => {
    const fleet = createFleetSimulation({ seed: 1, start, duration: 86_400, jitter: 10 });
    const batches = [...fleet.batches()];
    const first = start / 1000;
    for (let i = 1; i < batches.length; i++) expect(batches[i]!.at).toBeGreaterThanOrEqual(batches[i - 1]!.at);
    for (const b of batches) {
      for (const r of b.reports) {
        const off = (r.timestamp - first) % 300;
        expect(Math.min(off, 300 - off)).toBeLessThanOrEqual(10);
        expect(b.at / 1000).toBeGreaterThanOrEqual(r.timestamp);
      }
    }
    expect(fleet.agents).toHaveLength(4);
    expect(batches.some((b) => b.resend)).toBe(true);
  });

  it('has replica noise mostly under 0.5 % and sometimes above, and gaps both under and over 30 min', () => {
    const fleet = createFleetSimulation({ seed: 3, start, duration: 4 * 86_400 });
    const byKey = new Map<string, { p?: number; r?: number }>();
    const times = new Map<string, number[]>();
    for (const b of fleet.batches()) {
      if (b.resend) continue;
      for (const r of b.reports) {
        const slot = Math.round(r.timestamp / 300);
        const key = `${b.agentId}|${r.poolId}|${slot}`;
        const e = byKey.get(key) ?? {};
        e[b.role === 'primary' ? 'p' : 'r'] = r.price;
        byKey.set(key, e);
        const series = `${b.agentId}|${r.poolId}`;
        times.set(series, [...(times.get(series) ?? []), slot * 300]);
      }
    }
    const diffs = [...byKey.values()].filter((e) => e.p !== undefined && e.r !== undefined).map((e) => Math.abs(e.r! - e.p!) / e.p!);
    const small = diffs.filter((d) => d < 0.005).length / diffs.length;
    expect(small).toBeGreaterThan(0.85);
    expect(small).toBeLessThan(1);
    const gaps = [...times.values()].flatMap((ts) => {
      const u = [...new Set(ts)].sort((x, y) => x - y);
      return u.slice(1).map((t, i) => t - u[i]!);
    });
    expect(gaps.some((g) => g > 600 && g <= 1800)).toBe(true);
    expect(gaps.some((g) => g > 1800)).toBe(true);
  });
});
