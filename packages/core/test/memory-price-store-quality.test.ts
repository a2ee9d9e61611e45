import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryPriceStore } from '../src/memory/price-store.js';
import type { QualityFlag, StoredPoint } from '../src/ports/types.js';
import { point, seriesFor, write } from '../src/testing/price-store-fixtures.js';

const day = 86_400;
const jan1 = Date.UTC(2026, 0, 1) / 1000;
const flags: readonly QualityFlag[] = ['single_source', 'verified_dual_source', 'averaged_dual_source', 'interpolated'];
const series = [seriesFor('a1'), seriesFor('a1', 'us-east-1b:m5.large'), seriesFor('a2')];

/** The data-quality query by a scan of every stored point: what the kept day counts must equal. */
function scanned(points: readonly StoredPoint[], since: number) {
  const days = new Map<string, { total: number; interpolated: number; averaged: number }>();
  for (const p of points.filter((q) => q.timestamp >= since)) {
    const date = new Date(Math.floor(p.timestamp / day) * day * 1000).toISOString().slice(0, 10);
    const d = days.get(date) ?? { total: 0, interpolated: 0, averaged: 0 };
    days.set(date, d);
    d.total++;
    if (p.flag === 'interpolated') d.interpolated++;
    if (p.flag === 'averaged_dual_source') d.averaged++;
  }
  return [...days.entries()]
    .sort(([a], [b]) => (a < b ? 1 : -1))
    .map(([date, d]) => ({ date, totalPoints: d.total, interpolated: d.interpolated, averaged: d.averaged, pctInterpolated: Math.round((10_000 * d.interpolated) / d.total) / 100 }));
}

// A timestamp over three days, often on the 300 s grid so that writes overwrite and remove stored points.
const timestamp = fc.oneof(fc.integer({ min: 0, max: 3 * 48 }).map((k) => jan1 + k * 1800), fc.integer({ min: jan1, max: jan1 + 3 * day }));
const change = fc.record({
  series: fc.integer({ min: 0, max: series.length - 1 }),
  upsert: fc.array(fc.record({ t: timestamp, flag: fc.constantFrom(...flags) }), { maxLength: 6 }),
  remove: fc.array(timestamp, { maxLength: 3 }),
});

describe('memory PriceStore data-quality counts', () => {
  it('equal a scan of every stored point after any sequence of writes, overwrites and removals, for any since', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(change, { maxLength: 25 }), fc.array(timestamp, { minLength: 1, maxLength: 4 }), async (changes, sinces) => {
        const store = createMemoryPriceStore();
        for (const c of changes) {
          const s = series[c.series]!;
          const upsert = [...new Map(c.upsert.map((u) => [u.t, point(s, u.t, 1, u.flag)])).values()];
          if (upsert.length + c.remove.length > 0) await write(store, s, upsert, c.remove);
        }
        const all = (await Promise.all(series.map((s) => store.timeline(s, -Infinity, Infinity)))).flat();
        for (const since of [...sinces, jan1, jan1 + day]) expect(await store.dataQualityByDay(since)).toEqual(scanned(all, since));
      }),
      { numRuns: 200 },
    );
  });
});
