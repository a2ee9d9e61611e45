import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { localityMargin } from '../src/timeline/derive-window.js';
import { storeReports, stretchesOf, type SeriesBatch } from '../src/timeline/index.js';
import { groupBySeries } from '../src/timeline/store-reports.js';
import { createMemoryPriceStore } from '../src/memory/price-store.js';
import type { PriceStore, SeriesChange, SeriesWindowRequest } from '../src/ports/price-store.js';
import type { Role, SourceReport } from '../src/ports/types.js';
import { deliveries, gridStart } from '../src/testing/convergence-arbitraries.js';
import { referenceTimeline, timelineRows } from '../src/testing/timeline-reference.js';

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

/**
 * A memory store that hands `compute` its windows in reverse order (the port allows any order) and records
 * the changes it applies.
 */
function reversingStore() {
  const inner = createMemoryPriceStore();
  const applied: SeriesChange[][] = [];
  const store: PriceStore = {
    ...inner,
    update: (requests, compute) => inner.update(requests, (windows) => {
      const changes = compute([...windows].reverse());
      applied.push([...changes]);
      return changes;
    }),
  };
  return { store, applied };
}

/**
 * Clusters of a few reports separated by quiet stretches of 10 minutes to 3.5 hours: one call then holds
 * several stretches whose windows, widened to the nearest stored real point, overlap, touch or stand apart.
 */
const clusteredReports = fc
  .array(
    fc.record({
      quietBefore: fc.integer({ min: 600, max: 12_600 }),
      reports: fc.array(fc.record({ role: fc.constantFrom<Role>('primary', 'replica'), offset: fc.integer({ min: 0, max: 900 }), units: fc.integer({ min: 4000, max: 6000 }) }), { minLength: 1, maxLength: 4 }),
    }),
    { minLength: 2, maxLength: 5 },
  )
  .map((clusters) => {
    const seen = new Set<string>();
    const out: SourceReport[] = [];
    let start = gridStart;
    for (const c of clusters) {
      start += c.quietBefore;
      for (const r of c.reports) {
        const timestamp = start + r.offset;
        if (seen.has(`${r.role}@${timestamp}`)) continue;
        seen.add(`${r.role}@${timestamp}`);
        out.push({ agentId: 'x', poolId: 'us-east-1a:c5.large', instanceId: `i-${r.role}`, role: r.role, timestamp, price: r.units / 1e5 });
      }
      start += 900;
    }
    return out;
  });

describe('calls of several stretches', () => {
  it('store the reference timeline, whatever the batches and the order of the windows', async () => {
    const arb = clusteredReports.chain((reports) => fc.tuple(fc.constant(reports), deliveries(reports)));
    await fc.assert(
      fc.asyncProperty(arb, async ([reports, batches]) => {
        const { store } = reversingStore();
        for (const b of batches) await storeReports(store, b, config);
        const rows = timelineRows(await store.timeline({ agentId: 'x', poolId: 'us-east-1a:c5.large' }, 0, Infinity));
        expect(rows).toEqual(referenceTimeline(reports, config));
      }),
      { numRuns: 300 },
    );
  });

  it('a late report far before anything stored keeps the stored points of the other stretch in its call', async () => {
    // The late report's window widens to the stored primary, so the two stretches are derived together;
    // the new replica must still pair with it.
    const { store } = reversingStore();
    const primary = { ...at(10_000), role: 'primary' as const };
    const replica = { ...at(10_020), instanceId: 'i-2', role: 'replica' as const, price: 0.0501 };
    await storeReports(store, [primary], config);
    await storeReports(store, [at(0), replica], config);
    const rows = timelineRows(await store.timeline(series, 0, Infinity));
    expect(rows).toEqual(referenceTimeline([at(0), primary, replica], config));
    expect(rows.filter((r) => r[0] === T + 10_000).map((r) => r[2])).toEqual(['verified_dual_source']);
  });

  it('a resend of a call of several stretches writes nothing, not even an empty change', async () => {
    await fc.assert(
      fc.asyncProperty(clusteredReports, async (reports) => {
        const { store, applied } = reversingStore();
        await storeReports(store, reports, config);
        const outcome = await storeReports(store, reports, config);
        expect(applied.at(-1)).toEqual([]);
        expect(outcome.pointsWritten + outcome.pointsRemoved).toBe(0);
      }),
      { numRuns: 100 },
    );
  });
});
