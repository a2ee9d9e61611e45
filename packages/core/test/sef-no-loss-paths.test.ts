import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../src/clock/index.js';
import { UnavailableError } from '../src/errors/index.js';
import { createMemoryStorage } from '../src/memory/storage.js';
import type { SefStorage } from '../src/ports/storage.js';
import { createSef } from '../src/sef/index.js';
import { createSimulatedCloud } from '../src/sim/cloud.js';
import { simulatedPools } from '../src/sim/pool-catalog.js';

const start = Date.UTC(2026, 0, 1, 12);
const T = start / 1000 - 3600;
const pool = 'us-east-1a:c5.large';
const series = { agentId: 'a1', poolId: pool };

/** An agent with a replica on a store that can be switched off. */
async function setup() {
  const clock = createFakeClock(start);
  const memory = createMemoryStorage({ clock, pools: simulatedPools() });
  const outage = { on: false };
  const storage: SefStorage = {
    ...memory,
    prices: { ...memory.prices, update: (r, c) => (outage.on ? Promise.reject(new UnavailableError('postgres is down')) : memory.prices.update(r, c)) },
  };
  const sef = createSef({ clock, storage, cloud: createSimulatedCloud({ clock }), reclaimAfter: 30_000 });
  const errors: string[] = [];
  sef.on('error', (e) => errors.push(e.context));
  const a = await sef.registerAgent({ id: 'a1', instanceId: 'i-p', poolId: pool });
  await memory.agents.update('a1', a.version, { replicaInstanceId: 'i-r' });
  const timeline = async () => (await memory.prices.timeline(series, T - 3600, T + 3600)).map((p) => [p.timestamp, p.price, p.flag]);
  return { clock, sef, outage, errors, timeline };
}

describe('the loss paths of acknowledged reports, each reproduced', () => {
  it('a report whose window closes while the store is down stays in the buffer and is stored once it is back', async () => {
    const { clock, sef, outage, errors, timeline } = await setup();
    await sef.ingest([{ instanceId: 'i-p', poolId: pool, timestamp: T, price: 0.05 }], { agentId: 'a1' });
    await clock.advance(300_000);
    outage.on = true;
    await sef.flush();
    expect(errors).toContain('sweep');
    expect((await sef.stats()).buffered).toBe(1);
    outage.on = false;
    await sef.flush();
    expect(await timeline()).toEqual([[T, 0.05, 'single_source']]);
    expect((await sef.stats()).buffered).toBe(0);
  });

  it('a primary that left the buffer with its twin while the store is down is stored with it once the store is back', async () => {
    const { clock, sef, outage, errors, timeline } = await setup();
    await sef.ingest([{ instanceId: 'i-p', poolId: pool, timestamp: T, price: 0.05 }], { agentId: 'a1' });
    outage.on = true;
    await sef.ingest([{ instanceId: 'i-r', poolId: pool, timestamp: T + 2, price: 0.0501 }], { agentId: 'a1' });
    expect(errors).toEqual(['ingest']);
    outage.on = false;
    await clock.advance(700_000);
    await sef.flush();
    expect(await timeline()).toEqual([[T, 0.05, 'verified_dual_source']]);
  });
});
