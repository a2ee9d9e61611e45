import { describe, expect, it } from 'vitest';
import { createWorld, monthMs } from '../src/world/world.js';

// A long world (no SEF in it: the schedule alone) so that the rates can be checked within tight bounds.
const days = 3000;
const world = createWorld({ seed: 11, agents: 10, days });
const months = (days * 86_400_000) / monthMs;

describe('the simulated world matches its parameters', () => {
  it('each Advisor band interrupts its instances at the band frequency (within 20 %, measured over 100 months)', () => {
    for (const [band, [lo, hi]] of world.options.bands.entries()) {
      const pools = world.pools.filter((p) => p.band === band);
      if (pools.length === 0) continue;
      const ids = new Set(pools.map((p) => p.id));
      const crunches = world.crunches.filter((c) => ids.has(c.poolId)).length;
      const measured = (crunches * world.options.reclaimShare) / (pools.length * months);
      const expected = pools.reduce((s, p) => s + p.monthlyFrequency, 0) / pools.length;
      expect(expected).toBeGreaterThanOrEqual(lo / 100);
      expect(expected).toBeLessThanOrEqual(hi / 100);
      expect(Math.abs(measured - expected) / expected, `band ${lo}-${hi} %: ${measured} per month, expected ${expected}`).toBeLessThan(0.2);
    }
  });

  it('a crunch reclaims its reclaimShare of the instances in the pool (within 2 points over 20,000 draws)', () => {
    let reclaimed = 0;
    const draws = 20_000;
    for (let i = 0; i < draws; i++) if (world.reclaims(world.crunches[i % world.crunches.length]!, `i-${i}`)) reclaimed++;
    expect(Math.abs(reclaimed / draws - world.options.reclaimShare)).toBeLessThan(0.02);
  });

  it('pools fall into the bands in the given shares (within 10 points)', () => {
    for (const [band, share] of world.options.bandShares.entries()) {
      expect(Math.abs(world.pools.filter((p) => p.band === band).length / world.pools.length - share)).toBeLessThan(0.1);
    }
  });

  it('termination notices come 2 minutes before the action; warned crunches have their rebalance 10-180 min before, log-uniform', () => {
    for (const c of world.crunches) expect(c.actionAt - c.noticeAt).toBe(120_000);
    const warned = world.crunches.filter((c) => c.warned);
    expect(Math.abs(warned.length / world.crunches.length - world.options.warnedShare)).toBeLessThan(0.03);
    for (const c of world.crunches.filter((x) => !x.warned)) expect(c.rebalanceAt).toBe(c.noticeAt);
    const leads = warned.map((c) => (c.noticeAt - c.rebalanceAt) / 60_000).sort((a, b) => a - b);
    expect(leads[0]).toBeGreaterThanOrEqual(10);
    expect(leads.at(-1)).toBeLessThanOrEqual(180);
    // Log-uniform: the median is the geometric mean of the bounds, and each third of the log range holds a third.
    const median = leads[Math.floor(leads.length / 2)]!;
    expect(Math.abs(median / Math.sqrt(10 * 180) - 1)).toBeLessThan(0.1);
    const third = (k: number) => 10 * (180 / 10) ** (k / 3);
    expect(Math.abs(leads.filter((l) => l < third(1)).length / leads.length - 1 / 3)).toBeLessThan(0.04);
  });

  it('false-alarm rebalance episodes come at falseAlarmsPerCrunch per crunch (within 10 %)', () => {
    const alarms = world.events.filter((e) => e.kind === 'rebalance' && e.crunch === null).length;
    expect(Math.abs(alarms / world.crunches.length - world.options.falseAlarmsPerCrunch)).toBeLessThan(0.1);
  });

  it('spot prices rise before a crunch: at the action they are on average at least 30 % above the price 12 h before', () => {
    const ratios = world.crunches.slice(0, 500).map((c) => world.prices.priceAt(c.poolId, c.actionAt) / world.prices.priceAt(c.poolId, c.actionAt - 12 * 3_600_000));
    expect(ratios.reduce((a, b) => a + b, 0) / ratios.length).toBeGreaterThan(1.3);
    for (const c of world.crunches.slice(0, 500)) expect(world.prices.priceAt(c.poolId, c.actionAt)).toBeLessThanOrEqual(world.prices.onDemandPrice(c.poolId));
  });

  it('a bad world is refused with every problem named', () => {
    expect(() => createWorld({ agents: 0, days: -1, reclaimShare: 2, bandShares: [1] })).toThrow(/agents must be.*days must be.*bandShares must be.*reclaimShare must be/s);
  });
});
