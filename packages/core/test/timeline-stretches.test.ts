import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { localityMargin } from '../src/timeline/derive-window.js';
import { storeReports, stretchesOf, type SeriesBatch } from '../src/timeline/index.js';
import { groupBySeries } from '../src/timeline/store-reports.js';
import { createMemoryPriceStore } from '../src/memory/price-store.js';
import type { SeriesWindowRequest } from '../src/ports/price-store.js';
import type { SourceReport } from '../src/ports/types.js';

// Where a call's reports are split into stretches decides what a late report costs: the read and
// derivation of its own neighbourhood, not of everything between it and the other reports.
const config = parseConfig();
const apart = 2 * localityMargin(config) + config.interpolationMaxGap;
const T = 1_767_225_600;
const series = { agentId: 'a1', poolId: 'us-east-1a:c5.large' };
const at = (offset: number, agentId = 'a1'): SourceReport => ({ ...series, agentId, instanceId: 'i-1', role: 'primary', timestamp: T + offset, price: 0.05 });
const shape = (batches: SeriesBatch[]) => batches.map((b) => ({ agent: b.series.agentId, lo: b.lo - T, hi: b.hi - T, at: b.reports.map((r) => r.timestamp - T) }));

describe('stretches of a call', () => {
  it('keeps reports no further apart than both margins plus the longest fillable gap together, in one unchanged batch', () => {
    const batches = groupBySeries([at(0), at(300), at(apart)]);
    const out = stretchesOf(batches, config);
    expect(out).toHaveLength(1);
    expect(out[0]).toBe(batches[0]);
  });

  it('splits where two consecutive reports lie further apart than that, in timestamp order', () => {
    const far = apart + 1;
    const out = stretchesOf(groupBySeries([at(600 + far + 300), at(0), at(600 + far), at(300), at(600)]), config);
    expect(shape(out)).toEqual([
      { agent: 'a1', lo: 0, hi: 600, at: [0, 300, 600] },
      { agent: 'a1', lo: 600 + far, hi: 600 + far + 300, at: [600 + far, 600 + far + 300] },
    ]);
  });

  it('joins a report exactly that far from the last of a stretch that already spans more than the distance', () => {
    const out = stretchesOf(groupBySeries([at(0), at(apart), at(2 * apart), at(3 * apart + 1)]), config);
    expect(shape(out)).toEqual([
      { agent: 'a1', lo: 0, hi: 2 * apart, at: [0, apart, 2 * apart] },
      { agent: 'a1', lo: 3 * apart + 1, hi: 3 * apart + 1, at: [3 * apart + 1] },
    ]);
  });

  it('splits each series on its own', () => {
    const out = stretchesOf(groupBySeries([at(0, 'a1'), at(0, 'a2'), at(apart + 1, 'a1'), at(10, 'a2')]), config);
    expect(shape(out)).toEqual([
      { agent: 'a1', lo: 0, hi: 0, at: [0] },
      { agent: 'a1', lo: apart + 1, hi: apart + 1, at: [apart + 1] },
      { agent: 'a2', lo: 0, hi: 10, at: [0, 10] },
    ]);
  });

  it('a late report six hours back reads its own neighbourhood only', async () => {
    const inner = createMemoryPriceStore();
    const reads: SeriesWindowRequest[][] = [];
    const store = { ...inner, update: (requests: readonly SeriesWindowRequest[], compute: Parameters<typeof inner.update>[1]) => (reads.push([...requests]), inner.update(requests, compute)) };
    const margin = localityMargin(config);
    await storeReports(store, [at(6 * 3600), at(6 * 3600 + 300), at(0)], config);
    expect(reads[0]!.map((r) => [r.from - T, r.to - T])).toEqual([[-margin, margin], [6 * 3600 - margin, 6 * 3600 + 300 + margin]]);
  });
});
