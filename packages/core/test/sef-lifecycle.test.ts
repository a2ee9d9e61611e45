import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../src/clock/index.js';
import { StorageError } from '../src/errors/index.js';
import type { Alert } from '../src/events/event-map.js';
import { createMemoryStorage } from '../src/memory/storage.js';
import type { SefStorage } from '../src/ports/storage.js';
import { createSef } from '../src/sef/index.js';
import { createSimulatedCloud } from '../src/sim/cloud.js';
import { simulatedPools } from '../src/sim/pool-catalog.js';

const start = Date.UTC(2026, 0, 1, 12);
const T = start / 1000 - 600;
const pool = 'us-east-1a:c5.large';
const series = { agentId: 'a1', poolId: pool };

async function setup(storageOverride?: (s: SefStorage) => SefStorage, config = {}) {
  const clock = createFakeClock(start);
  const memory = createMemoryStorage({ clock, pools: simulatedPools() });
  const storage = storageOverride ? storageOverride(memory) : memory;
  const sef = createSef({ clock, storage, cloud: createSimulatedCloud({ clock }), sweepInterval: 5_000, reclaimAfter: 30_000, config });
  const a = await sef.registerAgent({ id: 'a1', instanceId: 'i-p', poolId: pool });
  await memory.agents.update('a1', a.version, { replicaInstanceId: 'i-r' });
  return { clock, storage: memory, sef };
}

describe('the background sweep', () => {
  it('stores expired reports every few seconds without a flush, and stop() cancels its timer', async () => {
    const { clock, storage, sef } = await setup();
    sef.start();
    await sef.ingest([{ instanceId: 'i-p', poolId: pool, timestamp: T, price: 0.05 }], { agentId: 'a1' });
    await clock.advance(299_000);
    expect(await storage.prices.timeline(series, T, T)).toEqual([]);
    await clock.advance(1_000); // the sweep due at 300 s finds the window closed
    expect((await storage.prices.timeline(series, T, T)).map((p) => p.flag)).toEqual(['single_source']);
    expect(sef.running).toBe(true);
    await sef.stop();
    expect(sef.running).toBe(false);
    expect(clock.pending()).toBe(0);
  });

  it('reports a storage failure as an error event and stores the batch once the store is back', async () => {
    let failures = 1;
    const { clock, storage, sef } = await setup((s) => ({
      ...s,
      prices: {
        ...s.prices,
        update: (requests, compute) => (failures-- > 0 ? Promise.reject(new StorageError('down')) : s.prices.update(requests, compute)),
      },
    }));
    await storage.agents.update('a1', (await storage.agents.get('a1'))!.version, { replicaInstanceId: null });
    const errors: string[] = [];
    sef.on('error', (e) => errors.push(e.context));
    sef.start();
    expect((await sef.ingest([{ instanceId: 'i-p', poolId: pool, timestamp: T, price: 0.05 }], { agentId: 'a1' })).accepted).toBe(1);
    expect(errors).toEqual(['ingest']);
    expect((await sef.stats()).queued).toBe(1);
    await clock.advance(35_000);
    expect((await storage.prices.timeline(series, T, T)).map((p) => p.price)).toEqual([0.05]);
    expect((await sef.stats()).queued).toBe(0);
    await sef.stop();
  });

  it('alerts when more than 20 % of the points stored today are interpolated', async () => {
    const { clock, sef } = await setup(undefined, { cleanupInterval: 60 });
    const alerts: Alert[] = [];
    sef.on('alert', (a) => alerts.push(a));
    sef.start();
    const day = Math.floor(start / 86_400_000) * 86_400;
    // Two real points 30 min apart: 5 interpolated of 7 points.
    await sef.ingest(
      [
        { instanceId: 'i-p', poolId: pool, timestamp: day, price: 0.05 },
        { instanceId: 'i-p', poolId: pool, timestamp: day + 1800, price: 0.06 },
      ],
      { agentId: 'a1' },
    );
    await clock.advance(310_000);
    expect(alerts.filter((a) => a.kind === 'high_interpolation_rate')).toHaveLength(1);
    await clock.advance(120_000);
    expect(alerts.filter((a) => a.kind === 'high_interpolation_rate')).toHaveLength(1);
    await sef.stop();
  });

  it('merges twins ingested concurrently exactly once, and stop() waits for ingests in flight', async () => {
    const { storage, sef } = await setup();
    const merged: number[] = [];
    sef.on('report.merged', (e) => merged.push(e.timestamp));
    sef.start();
    const batches = Array.from({ length: 10 }, (_, k) => T - 3000 + k * 300);
    const inFlight = batches.flatMap((ts) => [
      sef.ingest([{ instanceId: 'i-p', poolId: pool, timestamp: ts, price: 0.05 }], { agentId: 'a1' }),
      sef.ingest([{ instanceId: 'i-r', poolId: pool, timestamp: ts + 2, price: 0.0501 }], { agentId: 'a1' }),
    ]);
    await sef.stop();
    const results = await Promise.all(inFlight);
    expect(results.every((r) => r.accepted === 1)).toBe(true);
    expect(merged.sort()).toEqual(batches);
    const points = await storage.prices.timeline(series, T - 3000, T);
    expect(points.map((p) => [p.timestamp, p.flag])).toEqual(batches.map((ts) => [ts, 'verified_dual_source']));
    expect((await sef.stats()).buffered).toBe(0);
  });
});
