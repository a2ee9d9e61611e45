import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PriceStore } from '../ports/price-store.js';
import type { ContractOptions } from './contract.js';
import { point, seriesFor, write } from './price-store-fixtures.js';

const day = 86_400;
/** 2026-01-01T00:00:00Z in unix seconds. */
const jan1 = Date.UTC(2026, 0, 1) / 1000;

/** The read side of the {@link PriceStore} contract: timeline, seriesOf, countByFlag, dataQualityByDay. */
let nextQueryDays = 0;

export function runPriceStoreQueryContract(options: ContractOptions<PriceStore>): void {
  describe(`PriceStore queries (${options.name})`, () => {
    let store: PriceStore;
    let teardown: (() => Promise<void>) | undefined;
    let agent = '';
    beforeEach(async () => {
      const setup = await options.setup();
      store = setup.subject;
      teardown = setup.teardown;
      agent = `agent-${randomUUID()}`;
    });
    afterEach(async () => teardown?.());

    it('answers timeline(from, to) with the points in the inclusive range, sorted', async () => {
      const s = seriesFor(agent);
      await write(store, s, [point(s, 1600, 3), point(s, 1000, 1), point(s, 1300, 2, 'interpolated')]);
      expect((await store.timeline(s, 1000, 1300)).map((p) => p.timestamp)).toEqual([1000, 1300]);
      expect((await store.timeline(s, 1001, 1599)).map((p) => p.timestamp)).toEqual([1300]);
      expect(await store.timeline(seriesFor(agent, 'us-west-2a:t3.micro'), 0, 5000)).toEqual([]);
    });

    it('lists the series of an agent, one per pool it has points in', async () => {
      const a = seriesFor(agent, 'us-east-1b:m5.large');
      const b = seriesFor(agent, 'us-east-1a:c5.large');
      await write(store, a, [point(a, 1000, 1)]);
      await write(store, b, [point(b, 1000, 1), point(b, 1300, 1)]);
      const found = await store.seriesOf(agent);
      expect([...found].sort((x, y) => x.poolId.localeCompare(y.poolId))).toEqual([b, a]);
      expect(await store.seriesOf(`${agent}-nobody`)).toEqual([]);
    });

    it('counts points per flag for one agent and for all', async () => {
      const s = seriesFor(agent);
      const o = seriesFor(`${agent}-other`);
      await write(store, s, [
        point(s, 1000, 1),
        point(s, 1300, 1, 'interpolated'),
        point(s, 1600, 1, 'interpolated'),
        point(s, 1900, 1, 'verified_dual_source'),
        point(s, 2200, 1, 'averaged_dual_source'),
      ]);
      await write(store, o, [point(o, 1000, 1)]);
      expect(await store.countByFlag(agent)).toEqual({ single_source: 1, verified_dual_source: 1, averaged_dual_source: 1, interpolated: 2 });
      const all = await store.countByFlag();
      expect(all.single_source).toBeGreaterThanOrEqual(2);
      expect(all.interpolated).toBeGreaterThanOrEqual(2);
    });

    it("answers the spec's data-quality query per UTC day, newest first, with pct_interpolated rounded to 2", async () => {
      // Far in the future, and days of its own for each run in this process, so that no other test's points
      // share these days even on a store shared between tests (deterministic: no randomness in a contract).
      const base = jan1 + (3000 + 10 * nextQueryDays++) * day;
      const s = seriesFor(agent);
      await write(store, s, [
        point(s, base - day, 1),
        point(s, base + 10, 1),
        point(s, base + 310, 1, 'interpolated'),
        point(s, base + 610, 1, 'averaged_dual_source'),
        point(s, base + day - 1, 1),
        point(s, base + day, 1, 'interpolated'),
        point(s, base + day + 300, 1, 'interpolated'),
      ]);
      const iso = (t: number) => new Date(t * 1000).toISOString().slice(0, 10);
      const rows = (await store.dataQualityByDay(base)).filter((d) => d.date >= iso(base) && d.date <= iso(base + day));
      expect(rows).toEqual([
        { date: iso(base + day), totalPoints: 2, interpolated: 2, averaged: 0, pctInterpolated: 100 },
        { date: iso(base), totalPoints: 4, interpolated: 1, averaged: 1, pctInterpolated: 25 },
      ]);
      const thirds = seriesFor(`${agent}-thirds`);
      await write(store, thirds, [point(thirds, base + 2 * day, 1), point(thirds, base + 2 * day + 300, 1, 'interpolated'), point(thirds, base + 2 * day + 600, 1)]);
      const third = (await store.dataQualityByDay(base + 2 * day)).find((d) => d.date === iso(base + 2 * day));
      expect(third?.pctInterpolated).toBe(33.33);
    });
  });
}
