import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PriceStore } from '../ports/price-store.js';
import type { ContractOptions } from './contract.js';
import { point, seriesFor, windowOf, windowsOf, write } from './price-store-fixtures.js';
import { runPriceStoreQueryContract } from './price-store-queries.js';

/**
 * The {@link PriceStore} contract: windows widened to the neighbouring real points, upsert and remove,
 * one point per (series, timestamp), atomic and serialized `update`; the read queries in
 * `price-store-queries`.
 * @example
 * runPriceStoreContract({ name: 'postgres', setup: async () => ({ subject: storage.prices, teardown }) });
 */
export function runPriceStoreContract(options: ContractOptions<PriceStore>): void {
  describe(`PriceStore contract (${options.name})`, () => {
    let store: PriceStore;
    let teardown: (() => Promise<void>) | undefined;
    let s = seriesFor('a');
    beforeEach(async () => {
      const setup = await options.setup();
      store = setup.subject;
      teardown = setup.teardown;
      s = seriesFor(`agent-${randomUUID()}`);
    });
    afterEach(async () => teardown?.());

    it('widens a window to the last real point before it and the first real point after it', async () => {
      await write(store, s, [point(s, 1000, 1), point(s, 1300, 2, 'interpolated'), point(s, 1600, 3), point(s, 1900, 4, 'interpolated'), point(s, 2200, 5)]);
      const shape = async (from: number, to: number) => {
        const w = windowOf(await windowsOf(store, [{ series: s, from, to }]), s)!;
        return [w.left, w.right, w.points.map((p) => p.timestamp)];
      };
      expect(await shape(1500, 1700)).toEqual([1000, 2200, [1000, 1300, 1600, 1900, 2200]]);
      expect(await shape(1250, 1350)).toEqual([1000, 1600, [1000, 1300, 1600]]);
      expect(await shape(1000, 1000)).toEqual([1000, 1600, [1000, 1300, 1600]]);
      expect(await shape(0, 500)).toEqual([0, 1000, [1000]]);
      expect(await shape(3000, 4000)).toEqual([2200, 4000, [2200]]);
    });

    it('gives an empty window [from, to] for a series with no points', async () => {
      const w = windowOf(await windowsOf(store, [{ series: s, from: 10, to: 20 }]), s)!;
      expect([w.left, w.right, w.points]).toEqual([10, 20, []]);
    });

    it('gives one window per requested series and keeps series apart', async () => {
      const other = seriesFor(s.agentId, 'us-east-1b:m5.large');
      await write(store, s, [point(s, 1000, 1)]);
      await write(store, other, [point(other, 1000, 2), point(other, 1300, 3)]);
      const windows = await windowsOf(store, [{ series: s, from: 900, to: 1400 }, { series: other, from: 900, to: 1400 }]);
      expect(windows).toHaveLength(2);
      expect(windowOf(windows, s)!.points).toEqual([point(s, 1000, 1)]);
      expect(windowOf(windows, other)!.points).toEqual([point(other, 1000, 2), point(other, 1300, 3)]);
    });

    it('upserts by timestamp and removes timestamps, keeping one point per (series, timestamp)', async () => {
      await write(store, s, [point(s, 1000, 1), point(s, 1300, 2, 'interpolated'), point(s, 1600, 3)]);
      await write(store, s, [point(s, 1300, 2.5, 'verified_dual_source')]);
      expect(await store.timeline(s, 0, 5000)).toEqual([point(s, 1000, 1), point(s, 1300, 2.5, 'verified_dual_source'), point(s, 1600, 3)]);
      await write(store, s, [point(s, 1450, 7)], [1300, 1600]);
      expect(await store.timeline(s, 0, 5000)).toEqual([point(s, 1000, 1), point(s, 1450, 7)]);
      await write(store, s, [point(s, 500, 9), point(s, 1000, 8)]);
      expect((await store.timeline(s, 0, 5000)).map((p) => [p.timestamp, p.price])).toEqual([[500, 9], [1000, 8], [1450, 7]]);
    });

    it('applies nothing of an update whose compute throws, and rejects with its error', async () => {
      await write(store, s, [point(s, 1000, 1)]);
      const boom = new Error('compute failed');
      await expect(
        store.update([{ series: s, from: 0, to: 2000 }], (windows) => {
          expect(windowOf(windows, s)!.points).toHaveLength(1);
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await store.timeline(s, 0, 5000)).toEqual([point(s, 1000, 1)]);
    });

    it('serializes concurrent updates of one series: 20 read-increment-writes lose none', async () => {
      await write(store, s, [point(s, 1000, 0)]);
      await Promise.all(
        Array.from({ length: 20 }, () =>
          store.update([{ series: s, from: 1000, to: 1000 }], (windows) => {
            const current = windowOf(windows, s)!.points.find((p) => p.timestamp === 1000)!;
            return [{ series: s, upsert: [point(s, 1000, current.price + 1)], remove: [] }];
          }),
        ),
      );
      expect((await store.timeline(s, 1000, 1000)).map((p) => p.price)).toEqual([20]);
    });
  });
  runPriceStoreQueryContract(options);
}
