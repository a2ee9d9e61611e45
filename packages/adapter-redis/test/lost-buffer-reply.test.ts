import {
  UnavailableError,
  createFakeClock,
  createMemoryIngestQueue,
  createMemoryPriceStore,
  createMemoryStorage,
  createSef,
  createSimulatedCloud,
  parseConfig,
  simulatedPools,
  storeReports,
  type DedupeBuffer,
  type SourceReport,
} from '@sef/core';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedisBuffer } from '../src/index.js';
import { skipRedis, useSharedClient, useTestPrefix } from './redis.js';

const start = Date.UTC(2026, 0, 1, 12);
const T = start / 1000 - 3600;
const pool = 'us-east-1a:c5.large';
const series = { agentId: 'a1', poolId: pool };

/** The Redis buffer with a switch that loses every reply: the call takes effect, the caller sees an error (a frozen Redis). */
function withLostReplies(buffer: DedupeBuffer): { buffer: DedupeBuffer; lost: { on: boolean } } {
  const lost = { on: false };
  const lose = async <T>(call: Promise<T>): Promise<T> => {
    const value = await call;
    if (lost.on) throw new UnavailableError('buffer: reply lost');
    return value;
  };
  return {
    lost,
    buffer: {
      add: (r, now, p, o) => lose(buffer.add(r, now, p, o)),
      expired: (now, p) => lose(buffer.expired(now, p)),
      releaseExpired: (now, p) => lose(buffer.releaseExpired(now, p)),
      size: () => buffer.size(),
    },
  };
}

describe.skipIf(skipRedis)('SEF on the Redis buffer: a pairing add whose reply stays lost', () => {
  let client: Redis;
  let keyPrefix: string;
  useSharedClient((c) => (client = c));
  useTestPrefix(() => client, (p) => (keyPrefix = p));

  it('stores the primary it paired with when the retries go on for longer than two windows (each retry re-arms the pair)', async () => {
    // Driven by hand (no background timers): each step is awaited, so the real Redis round trips are in order.
    const clock = createFakeClock(start);
    const memory = createMemoryStorage({ clock, pools: simulatedPools() });
    const queue = createMemoryIngestQueue({ clock });
    const { buffer, lost } = withLostReplies(createRedisBuffer({ client, keyPrefix }));
    const sef = createSef({ clock, storage: memory, buffer, queue, cloud: createSimulatedCloud({ clock }), reclaimAfter: 30_000 });
    const errors: string[] = [];
    sef.on('error', (e) => errors.push(e.context));
    const a = await sef.registerAgent({ id: 'a1', instanceId: 'i-p', poolId: pool });
    await memory.agents.update('a1', a.version, { replicaInstanceId: 'i-r' });
    const primary = { instanceId: 'i-p', poolId: pool, timestamp: T, price: 0.05 };
    const replica = { instanceId: 'i-r', poolId: pool, timestamp: T + 2, price: 0.0502 };

    // The primary waits (its queue entry acknowledged); the replica pairs with it, and the reply is lost.
    expect((await sef.ingest([primary], { agentId: 'a1' })).accepted).toBe(1);
    lost.on = true;
    expect((await sef.ingest([replica], { agentId: 'a1' })).accepted).toBe(1);
    expect(await buffer.size()).toBe(0);
    // Every retry of the replica's entry (and every sweep) loses its reply too, for 750 s: two and a half windows.
    for (let k = 0; k < 5; k++) {
      await clock.advance(150_000);
      await sef.flush();
    }
    lost.on = false;
    await clock.advance(150_000);
    await sef.flush();
    await clock.advance(310_000);
    await sef.flush();

    expect(errors.filter((c) => c === 'ingest')).toHaveLength(6);
    expect(await queue.pending()).toBe(0);
    expect(await buffer.size()).toBe(0);
    const acknowledged: SourceReport[] = [
      { ...primary, agentId: 'a1', role: 'primary' },
      { ...replica, agentId: 'a1', role: 'replica' },
    ];
    const reference = createMemoryPriceStore();
    await storeReports(reference, acknowledged, parseConfig());
    expect(await memory.prices.timeline(series, 0, 4e9)).toEqual(await reference.timeline(series, 0, 4e9));
    expect((await memory.prices.timeline(series, 0, 4e9)).map((p) => p.flag)).toEqual(['verified_dual_source']);
    await sef.stop();
  });
});
