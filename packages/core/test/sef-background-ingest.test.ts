import { describe, expect, it, vi } from 'vitest';
import { createFakeClock } from '../src/clock/index.js';
import { createMemoryStorage } from '../src/memory/storage.js';
import type { SefStorage } from '../src/ports/storage.js';
import { createSef } from '../src/sef/index.js';
import { createSimulatedCloud } from '../src/sim/cloud.js';
import { simulatedPools } from '../src/sim/pool-catalog.js';

const start = Date.UTC(2026, 0, 1, 12);
const T = start / 1000 - 3600;
const pool = 'us-east-1a:c5.large';

/** A price store whose writes wait until `open()`; counts calls and the most in flight at once. */
function gatedPrices(storage: SefStorage) {
  let release!: () => void;
  let gate = new Promise<void>((resolve) => (release = resolve));
  const stats = { calls: 0, inFlight: 0, maxInFlight: 0 };
  const prices: SefStorage['prices'] = {
    ...storage.prices,
    update: async (requests, compute) => {
      stats.calls++;
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      try {
        await gate;
        return await storage.prices.update(requests, compute);
      } finally {
        stats.inFlight--;
      }
    },
  };
  return {
    storage: { ...storage, prices },
    stats,
    open: () => release(),
    close: () => (gate = new Promise<void>((resolve) => (release = resolve))),
  };
}

async function setup(agents = 1) {
  const clock = createFakeClock(start);
  const memory = createMemoryStorage({ clock, pools: simulatedPools() });
  const gated = gatedPrices(memory);
  const sef = createSef({ clock, storage: gated.storage, cloud: createSimulatedCloud({ clock }), storeConcurrency: 4 });
  for (let i = 0; i < agents; i++) await sef.registerAgent({ id: `a${i}`, instanceId: `i-${i}`, poolId: pool });
  const report = (i: number, timestamp: number) => ({ instanceId: `i-${i}`, poolId: pool, timestamp, price: 0.05 });
  const stored = async (i = 0) => (await memory.prices.timeline({ agentId: `a${i}`, poolId: pool }, T - 86_400, T + 86_400)).length;
  return { clock, sef, gated, report, stored };
}

describe('ingest answers once queued; a background worker stores', () => {
  it("resolves a wait: 'queued' ingest while the store is still busy, and the lag is visible until the worker caught up", async () => {
    const { clock, sef, gated, report, stored } = await setup();
    expect(await sef.ingest([report(0, T)], { agentId: 'a0', wait: 'queued' })).toEqual({ accepted: 1, rejected: [] });
    expect(await stored()).toBe(0);
    await clock.advance(700);
    expect(await sef.stats()).toMatchObject({ queued: 1, queueLagMs: 700 });
    gated.open();
    await sef.flush();
    expect(await stored()).toBe(1);
    expect(await sef.stats()).toMatchObject({ queued: 0, queueLagMs: 0 });
  });

  it("waits for storage by default (wait: 'stored'), so a report can be read back at once", async () => {
    const { sef, gated, report, stored } = await setup();
    gated.open();
    await sef.ingest([report(0, T)], { agentId: 'a0' });
    expect(await stored()).toBe(1);
  });

  it('stores the batches queued while a write was in progress in one step, not one write per request', async () => {
    const { sef, gated, report, stored } = await setup();
    await sef.ingest([report(0, T)], { agentId: 'a0', wait: 'queued' });
    await vi.waitFor(() => expect(gated.stats.calls).toBe(1));
    const answers = await Promise.all(Array.from({ length: 19 }, (_, k) => sef.ingest([report(0, T - (k + 1) * 300)], { agentId: 'a0', wait: 'queued' })));
    expect(answers.every((a) => a.accepted === 1)).toBe(true);
    gated.open();
    await sef.flush();
    expect(await stored()).toBe(20);
    // The first request's write, then one for the 19 queued behind it.
    expect(gated.stats.calls).toBe(2);
  });

  it('stores different series at the same time (up to storeConcurrency), each series in one write', async () => {
    const { sef, gated, report, stored } = await setup(8);
    await Promise.all(Array.from({ length: 8 }, (_, i) => sef.ingest([report(i, T), report(i, T + 300)], { agentId: `a${i}`, wait: 'queued' })));
    gated.open();
    await sef.flush();
    for (let i = 0; i < 8; i++) expect(await stored(i)).toBe(2);
    expect(gated.stats.maxInFlight).toBe(4);
  });

  it('tries a failed write again after retryDelay, without waiting for the queue to hand the entry out again', async () => {
    const clock = createFakeClock(start);
    const memory = createMemoryStorage({ clock, pools: simulatedPools() });
    let failures = 1;
    const storage: SefStorage = {
      ...memory,
      prices: { ...memory.prices, update: (r, c) => (failures-- > 0 ? Promise.reject(new Error('down')) : memory.prices.update(r, c)) },
    };
    const sef = createSef({ clock, storage, cloud: createSimulatedCloud({ clock }), reclaimAfter: 600_000, retryDelay: 1_000 });
    await sef.registerAgent({ id: 'a0', instanceId: 'i-0', poolId: pool });
    const errors: string[] = [];
    sef.on('error', (e) => errors.push(e.context));
    sef.start();
    await sef.ingest([{ instanceId: 'i-0', poolId: pool, timestamp: T, price: 0.05 }], { agentId: 'a0' });
    expect(errors).toEqual(['ingest']);
    expect((await sef.stats()).queued).toBe(1);
    await clock.advance(1_000);
    expect((await memory.prices.timeline({ agentId: 'a0', poolId: pool }, T, T)).length).toBe(1);
    expect((await sef.stats()).queued).toBe(0);
    await sef.stop();
  });
});
