import fc from 'fast-check';
import { createFakeClock, type PriceFeed } from '@sef/core';
import { expect, it } from 'vitest';
import { startPriceSampler, type PriceReport } from '../src/price-sampler.js';
import { captureLog } from './support/agent-setup.js';

const grid = 300_000;
/** A feed whose price changes every 7 minutes (off the grid), so the value at a grid point is the step before it. */
const feed: PriceFeed = {
  candidatePools: async () => [],
  priceHistory: async (_pool, from, to) => {
    const changes = [];
    for (let t = Math.floor(from / 420_000) * 420_000; t <= to; t += 420_000) changes.push({ time: t, price: 0.01 + (t / 420_000) % 13 / 1000 });
    return changes;
  },
};
const priceAt = (t: number) => 0.01 + Math.floor(t / 420_000) % 13 / 1000;

it('property: whatever steps time takes, every 300 s grid point since start is sampled exactly once, in order, at the step price', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 10 * grid }), fc.array(fc.integer({ min: 1, max: 4 * grid }), { minLength: 1, maxLength: 12 }), async (offset, steps) => {
      const start = 1_700_000_000_000 + offset;
      const clock = createFakeClock(start);
      const batches: PriceReport[][] = [];
      const stop = startPriceSampler({ feed, pools: ['us-east-1a:c5.large', 'us-east-1b:c5.large'], instanceId: 'i-1', clock, log: captureLog().log, report: async (b) => void batches.push(b) });
      for (const s of steps) await clock.advance(s);
      await stop();
      const first = Math.floor(start / grid) * grid;
      const last = Math.floor(clock.now() / grid) * grid;
      const expected = Array.from({ length: (last - first) / grid + 1 }, (_, i) => first + i * grid);
      expect(batches.map((b) => b[0]!.timestamp * 1000)).toEqual(expected);
      for (const b of batches) {
        expect(b.map((r) => r.poolId)).toEqual(['us-east-1a:c5.large', 'us-east-1b:c5.large']);
        for (const r of b) expect(r.price).toBe(priceAt(r.timestamp * 1000));
      }
    }),
    { numRuns: 50 },
  );
});

it('stop while a sample is being taken: the sample is still handed on before stop resolves, and no later one is taken', async () => {
  const clock = createFakeClock(1_700_000_100_000);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let calls = 0;
  const slow: PriceFeed = { ...feed, priceHistory: async (pool, from, to) => (calls++, await gate, feed.priceHistory(pool, from, to)) };
  const batches: PriceReport[][] = [];
  const stop = startPriceSampler({ feed: slow, pools: ['us-east-1a:c5.large'], instanceId: 'i-1', clock, log: captureLog().log, report: async (b) => void batches.push(b) });
  while (calls === 0) await new Promise((r) => setImmediate(r)); // the first sample is being taken
  let stopped = false;
  const stopping = stop().then(() => (stopped = true));
  await new Promise((r) => setImmediate(r));
  expect(stopped).toBe(false);
  release();
  await stopping;
  expect(batches.map((b) => b[0]!.timestamp * 1000)).toEqual([Math.floor(1_700_000_100_000 / grid) * grid]);
  await clock.advance(3 * grid);
  expect(batches).toHaveLength(1);
});
