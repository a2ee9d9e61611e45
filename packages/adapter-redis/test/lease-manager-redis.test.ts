import { createMemoryStorage, StaleFencingTokenError, systemClock } from '@sef/core';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedisLeaseManager } from '../src/index.js';
import { keysUnder, skipRedis, useSharedClient, useTestPrefix } from './redis.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skipRedis)('createRedisLeaseManager: fencing and what Redis holds', () => {
  let client: Redis;
  let keyPrefix: string;
  useSharedClient((c) => (client = c));
  useTestPrefix(() => client, (p) => (keyPrefix = p));

  it('a holder that paused past its lease cannot act: the store refuses its stale token', async () => {
    const leases = createRedisLeaseManager({ client, keyPrefix });
    const storage = createMemoryStorage({ clock: systemClock });
    const created = await storage.agents.create({ id: 'a1', region: 'us-east-1', poolId: 'us-east-1a:c5.large', primaryInstanceId: 'i-1' });
    const paused = (await leases.acquire('agent:a1', 'sef-1', 100))!;
    await sleep(150); // sef-1 stalls (a GC pause, a slow disk) past its lease
    const next = (await leases.acquire('agent:a1', 'sef-2', 10_000))!;
    expect(next.token).toBeGreaterThan(paused.token);
    const v1 = await storage.agents.update('a1', created.version, { replicaInstanceId: 'i-2' }, { fencingToken: next.token });
    // sef-1 wakes up and tries to act on what it believes is still its lease.
    expect(await leases.renew(paused, 10_000)).toBeNull();
    await expect(storage.agents.update('a1', v1.version, { replicaInstanceId: 'i-3' }, { fencingToken: paused.token })).rejects.toBeInstanceOf(StaleFencingTokenError);
    expect((await storage.agents.get('a1'))?.replicaInstanceId).toBe('i-2');
  });

  it('stores the lease as `<token>:<owner>` with the TTL, and a token counter that never expires', async () => {
    const leases = createRedisLeaseManager({ client, keyPrefix });
    const lease = (await leases.acquire('agent:a1', 'sef-1', 30_000))!;
    expect(await keysUnder(client, keyPrefix)).toEqual([`${keyPrefix}fence:agent:a1`, `${keyPrefix}lease:agent:a1`]);
    expect(await client.get(`${keyPrefix}lease:agent:a1`)).toBe(`${lease.token}:sef-1`);
    const ttl = await client.pttl(`${keyPrefix}lease:agent:a1`);
    expect(ttl).toBeGreaterThan(29_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
    expect(await client.pttl(`${keyPrefix}fence:agent:a1`)).toBe(-1);
    await leases.release(lease);
    expect(await keysUnder(client, keyPrefix)).toEqual([`${keyPrefix}fence:agent:a1`]);
  });

  it("gives expiresAt on the Redis server's clock", async () => {
    const leases = createRedisLeaseManager({ client, keyPrefix });
    const serverMs = async () => {
      const [s, us] = await client.time();
      return Number(s) * 1000 + Math.floor(Number(us) / 1000);
    };
    const before = await serverMs();
    const lease = (await leases.acquire('agent:a1', 'sef-1', 5_000))!;
    const renewed = (await leases.renew(lease, 8_000))!;
    const after = await serverMs();
    expect(lease.expiresAt).toBeGreaterThanOrEqual(before + 5_000);
    expect(renewed.expiresAt).toBeLessThanOrEqual(after + 8_000);
    expect(renewed.expiresAt).toBeGreaterThanOrEqual(lease.expiresAt + 3_000);
  });

  it('keeps the leases under one prefix apart from those under another', async () => {
    const other = `${keyPrefix}other:`;
    const a = createRedisLeaseManager({ client, keyPrefix });
    const b = createRedisLeaseManager({ client, keyPrefix: other });
    expect(await a.acquire('agent:a1', 'sef-1', 10_000)).not.toBeNull();
    expect(await b.acquire('agent:a1', 'sef-2', 10_000)).not.toBeNull();
  });
});
