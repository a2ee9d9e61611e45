import fc from 'fast-check';
import { bufferTestPolicy as policy, sortedReports, sourceReport as report } from '@sef/core/testing';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { parseLegacySeries } from '../src/buffer/legacy-layout.js';
import { createRedisBuffer } from '../src/index.js';
import { keysUnder, skipRedis, useSharedClient, useTestPrefix } from './redis.js';

/** A waiting report as the previous layout packed it. */
const packLegacy = (role: 0 | 1, ts: number, price: number, arrived: number, inst: string) =>
  `${role === 0 ? 'p' : 'r'}${ts}|${price}|${arrived}|${Buffer.byteLength(inst)}:${inst}`;

describe('the previous layout of the buffer', () => {
  it('has its waiting reports read back exactly, any instance id (property)', () => {
    const waitingArb = fc.record({
      role: fc.constantFrom(0 as const, 1 as const),
      ts: fc.double({ min: -1e12, max: 1e12, noNaN: true }).filter((t) => !Object.is(t, -0)),
      price: fc.double({ min: 1e-6, max: 1000, noNaN: true }),
      arrived: fc.integer({ min: 0, max: 2e12 }),
      inst: fc.string({ unit: 'binary', maxLength: 12 }),
    });
    fc.assert(
      fc.property(fc.array(waitingArb, { maxLength: 5 }), (waiting) => {
        expect(parseLegacySeries(waiting.map((w) => packLegacy(w.role, w.ts, w.price, w.arrived, w.inst)).join(''))).toEqual(waiting);
      }),
    );
    expect(parseLegacySeries('@1764000000000')).toEqual([]);
  });
});

describe.skipIf(skipRedis)('createRedisBuffer on a Redis holding the previous layout', () => {
  let client: Redis;
  let keyPrefix: string;
  useSharedClient((c) => (client = c));
  useTestPrefix(() => client, (p) => (keyPrefix = p));

  it('takes over its waiting reports (nothing lost, each once) and deletes the old keys', async () => {
    await client.hset(`${keyPrefix}buf:series`, {
      '2:a1:us-east-1a:c5.large': packLegacy(0, 1000, 0.0456, 10_000, 'i-a1-primary') + packLegacy(0, 1060, 0.05, 70_000, 'i-a1-primary'),
      '2:a2:us-east-1a:c5.large': packLegacy(1, 1000, 0.07, 20_000, 'i-ü-replica'),
      '2:a3:us-east-1a:c5.large': '@5000',
    });
    await client.zadd(`${keyPrefix}buf:due`, '10000', '2:a1:us-east-1a:c5.large', '20000', '2:a2:us-east-1a:c5.large', '5000', '2:a3:us-east-1a:c5.large');
    await client.set(`${keyPrefix}buf:count`, '3');

    const buffer = createRedisBuffer({ client, keyPrefix });
    expect(await buffer.add([report('replica', 1002, 0.0458)], 80_000, policy)).toEqual([report('primary', 1000, 0.0456), report('replica', 1002, 0.0458)]);
    expect(await keysUnder(client, keyPrefix)).toEqual([`${keyPrefix}buf:count`, `${keyPrefix}buf:head`, `${keyPrefix}buf:log`]);
    expect(await buffer.size()).toBe(2);
    // Released by their own arrival times, as before.
    const a2 = { ...report('replica', 1000, 0.07, 'a2'), instanceId: 'i-ü-replica' };
    expect(await buffer.releaseExpired(20_000 + policy.windowMs, policy)).toEqual([a2]);
    expect(sortedReports(await createRedisBuffer({ client, keyPrefix }).releaseExpired(70_000 + policy.windowMs, policy))).toEqual([report('primary', 1060, 0.05)]);
    expect(await buffer.size()).toBe(0);
  });
});
