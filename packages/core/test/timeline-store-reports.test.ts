import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createMemoryPriceStore } from '../src/memory/price-store.js';
import type { PriceStore, SeriesChange } from '../src/ports/price-store.js';
import type { Role, SourceReport } from '../src/ports/types.js';
import { storeReports } from '../src/timeline/index.js';

const config = parseConfig();
const T = 1_767_225_600;
const series = { agentId: 'a1', poolId: 'us-east-1a:c5.large' };
const at = (role: Role, offset: number, price: number): SourceReport => ({ ...series, instanceId: `i-${role}`, role, timestamp: T + offset, price });

/** A memory store that records every change it applies. */
function recordingStore() {
  const inner = createMemoryPriceStore();
  const applied: SeriesChange[][] = [];
  const store: PriceStore = {
    ...inner,
    update: (requests, compute) =>
      inner.update(requests, (windows) => {
        const changes = compute(windows);
        applied.push([...changes]);
        return changes;
      }),
  };
  const rows = async () => (await inner.timeline(series, T - 86_400, T + 86_400)).map((p) => [p.timestamp - T, p.price, p.flag]);
  return { store, applied, rows };
}

describe('storing reports into the timeline', () => {
  it('a late twin merges into the stored row', async () => {
    const { store, rows } = recordingStore();
    await storeReports(store, [at('primary', 0, 0.0456)], config);
    expect(await rows()).toEqual([[0, 0.0456, 'single_source']]);
    const outcome = await storeReports(store, [at('replica', 4, 0.0458)], config);
    expect(await rows()).toEqual([[0, 0.0456, 'verified_dual_source']]);
    expect(outcome.merged).toEqual([{ series, timestamp: T, flag: 'verified_dual_source', price: 0.0456, primaryPrice: 0.0456, replicaPrice: 0.0458 }]);
  });

  it("a late primary takes the replica's row: the merged point sits at the primary's timestamp", async () => {
    const { store, rows } = recordingStore();
    await storeReports(store, [at('replica', 10, 0.0505)], config);
    const outcome = await storeReports(store, [at('primary', 0, 0.05)], config);
    expect(await rows()).toEqual([[0, 0.05025, 'averaged_dual_source']]);
    expect([outcome.pointsWritten, outcome.pointsRemoved]).toEqual([1, 1]);
  });

  it('a resend changes nothing and writes nothing', async () => {
    const { store, applied, rows } = recordingStore();
    await storeReports(store, [at('primary', 0, 0.05), at('replica', 3, 0.0501)], config);
    const before = await rows();
    const outcome = await storeReports(store, [at('replica', 3, 0.0501), at('primary', 0, 0.05)], config);
    expect(await rows()).toEqual(before);
    expect(outcome).toMatchObject({ merged: [], pointsWritten: 0, pointsRemoved: 0 });
    expect(applied.at(-1)).toEqual([]);
  });

  it('conflicting prices for one (role, timestamp) keep the lowest, in any order', async () => {
    for (const order of [[0.06, 0.05], [0.05, 0.06]]) {
      const { store, rows } = recordingStore();
      for (const price of order) await storeReports(store, [at('primary', 0, price)], config);
      expect(await rows()).toEqual([[0, 0.05, 'single_source']]);
    }
  });

  it('an in-order append writes one row, not the window', async () => {
    const { store, applied } = recordingStore();
    await storeReports(store, [0, 300, 600, 900].map((k) => at('primary', k, 0.05)), config);
    await storeReports(store, [at('primary', 1200, 0.051)], config);
    expect(applied.at(-1)!.map((c) => [c.upsert.map((p) => p.timestamp - T), c.remove])).toEqual([[[1200], []]]);
  });

  it('a real point replaces the interpolated one at its timestamp and the line around it is redrawn', async () => {
    const { store, rows } = recordingStore();
    await storeReports(store, [at('primary', 0, 0.05), at('primary', 1200, 0.06)], config);
    await storeReports(store, [at('replica', 600, 0.07)], config);
    expect(await rows()).toEqual([
      [0, 0.05, 'single_source'],
      [300, 0.06, 'interpolated'],
      [600, 0.07, 'single_source'],
      [900, 0.065, 'interpolated'],
      [1200, 0.06, 'single_source'],
    ]);
  });

  it('a 20-minute gap emits gap.detected and gap.filled with its 3 points, once', async () => {
    const { store } = recordingStore();
    await storeReports(store, [at('primary', 0, 0.05)], config);
    const first = await storeReports(store, [at('primary', 1200, 0.06)], config);
    const gap = { series, from: T, to: T + 1200, length: 1200 };
    expect([first.gapsDetected, first.gapsFilled, first.gapsUnfillable]).toEqual([[gap], [{ ...gap, points: 3 }], []]);
    expect([first.pointsWritten, first.interpolatedWritten]).toEqual([4, 3]);
    const again = await storeReports(store, [at('primary', 1200, 0.06)], config);
    expect([again.gapsDetected, again.gapsFilled]).toEqual([[], []]);
  });

  it('a late report inside a filled gap reports the two new halves as filled, and no detected gap (600 s each)', async () => {
    const { store, rows } = recordingStore();
    await storeReports(store, [at('primary', 0, 0.05), at('primary', 1200, 0.06)], config);
    const outcome = await storeReports(store, [at('primary', 600, 0.07)], config);
    expect(outcome.gapsDetected).toEqual([]);
    expect(outcome.gapsFilled.map((g) => [g.from - T, g.to - T, g.points])).toEqual([[0, 600, 1], [600, 1200, 1]]);
    expect([outcome.pointsWritten, outcome.interpolatedWritten, outcome.pointsRemoved]).toEqual([3, 2, 0]);
    expect((await rows()).map((r) => r[0])).toEqual([0, 300, 600, 900, 1200]);
  });

  it('a merge that moves a replica-only point to its primary reshapes the gaps around it', async () => {
    const { store, rows } = recordingStore();
    await storeReports(store, [at('primary', 0, 0.05), at('replica', 1220, 0.06), at('primary', 2400, 0.05)], config);
    expect((await rows()).map((r) => r[0])).toEqual([0, 300, 600, 900, 1220, 1520, 1820, 2120, 2400]);
    await storeReports(store, [at('primary', 1200, 0.06)], config);
    expect(await rows()).toEqual([
      [0, 0.05, 'single_source'],
      [300, 0.0525, 'interpolated'],
      [600, 0.055, 'interpolated'],
      [900, 0.0575, 'interpolated'],
      [1200, 0.06, 'verified_dual_source'],
      [1500, 0.0575, 'interpolated'],
      [1800, 0.055, 'interpolated'],
      [2100, 0.0525, 'interpolated'],
      [2400, 0.05, 'single_source'],
    ]);
  });

  it('a 40-minute gap is left open and emits gap.unfillable', async () => {
    const { store, rows } = recordingStore();
    const outcome = await storeReports(store, [at('primary', 0, 0.05), at('primary', 2400, 0.06)], config);
    expect(await rows()).toEqual([[0, 0.05, 'single_source'], [2400, 0.06, 'single_source']]);
    const gap = { series, from: T, to: T + 2400, length: 2400 };
    expect([outcome.gapsDetected, outcome.gapsFilled, outcome.gapsUnfillable]).toEqual([[gap], [], [gap]]);
  });

  it('a 10-minute gap is filled with one point but is not a detected gap (600 s is not over the threshold)', async () => {
    const { store } = recordingStore();
    const outcome = await storeReports(store, [at('primary', 0, 0.05), at('primary', 600, 0.06)], config);
    expect(outcome.gapsDetected).toEqual([]);
    expect(outcome.gapsFilled).toEqual([{ series, from: T, to: T + 600, length: 600, points: 1 }]);
  });

  it('collects the outcome of the last compute only when the store retries', async () => {
    const inner = createMemoryPriceStore();
    const retrying: PriceStore = {
      ...inner,
      update: (requests, compute) =>
        inner.update(requests, (windows) => {
          compute(windows);
          return compute(windows);
        }),
    };
    await storeReports(retrying, [at('primary', 0, 0.05)], config);
    const outcome = await storeReports(retrying, [at('replica', 0, 0.06), at('primary', 1200, 0.05)], config);
    expect(outcome.merged).toHaveLength(1);
    expect(outcome.gapsDetected).toHaveLength(1);
    expect(outcome.interpolatedWritten).toBe(3);
  });

  it('keeps series apart and stores each with its own window', async () => {
    const { store, applied } = recordingStore();
    const other = { ...series, poolId: 'us-east-1b:m5.large' };
    await storeReports(store, [at('primary', 0, 0.05), { ...at('primary', 0, 0.09), ...other }, { ...at('replica', 5, 0.0902), ...other }], config);
    expect(applied.at(-1)!.map((c) => [c.series.poolId, c.upsert.map((p) => p.flag)])).toEqual([
      [series.poolId, ['single_source']],
      [other.poolId, ['verified_dual_source']],
    ]);
  });
});
