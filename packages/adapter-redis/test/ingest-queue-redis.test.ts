import fc from 'fast-check';
import type { SourceReport } from '@sef/core';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRedisIngestQueue } from '../src/index.js';
import { connect, dropPrefix, keysUnder, skipRedis, testPrefix } from './redis.js';

const batch = (n: number, from = 0): SourceReport[] =>
  Array.from({ length: n }, (_, i) => ({
    agentId: 'a1',
    instanceId: i % 2 === 0 ? 'i-primary' : 'i-replica',
    poolId: 'us-east-1a:c5.large',
    timestamp: 1_700_000_000 + (from + i) * 300,
    price: 0.0456 + i / 10_000,
    role: i % 2 === 0 ? 'primary' : 'replica',
  }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skipRedis)('createRedisIngestQueue: what Redis holds', () => {
  let client: Redis;
  let other: Redis;
  let keyPrefix: string;
  beforeAll(async () => {
    [client, other] = await Promise.all([connect(), connect()]);
  });
  afterAll(async () => {
    await Promise.all([client?.quit(), other?.quit()]);
  });
  beforeEach(() => {
    keyPrefix = testPrefix();
  });
  afterEach(async () => dropPrefix(client, keyPrefix));

  it('puts a whole batch into one stream entry under the prefix, readable elsewhere once enqueue resolves', async () => {
    const queue = createRedisIngestQueue({ client, keyPrefix });
    const reports = batch(5000);
    const id = await queue.enqueue(reports);
    expect(await keysUnder(other, keyPrefix)).toEqual([`${keyPrefix}queue`]);
    const entries = await other.xrange(`${keyPrefix}queue`, '-', '+');
    expect(entries.map(([eid, fields]) => [eid, fields[0]])).toEqual([[id, 'r']]);
    const [entry] = await createRedisIngestQueue({ client: other, keyPrefix }).claim('c1', { max: 10, minIdleMs: 0 });
    expect(entry?.reports).toEqual(reports);
  });

  it("reclaims a dead consumer's entry with XAUTOCLAIM once it has been idle for minIdleMs, not before", async () => {
    const queue = createRedisIngestQueue({ client, keyPrefix });
    const id = await queue.enqueue(batch(2));
    // A second of idle time: the "not before" check must not depend on how fast a busy machine runs it.
    expect((await queue.claim('dead', { max: 10, minIdleMs: 1000 })).map((e) => e.id)).toEqual([id]);
    expect(await queue.claim('alive', { max: 10, minIdleMs: 1000 })).toEqual([]);
    await sleep(1100);
    const again = await queue.claim('alive', { max: 10, minIdleMs: 1000 });
    expect(again.map((e) => [e.id, e.deliveries])).toEqual([[id, 2]]);
    const pending = (await client.xpending(`${keyPrefix}queue`, 'sef', '-', '+', 10)) as [string, string, number, number][];
    expect(pending.map(([pid, owner, , count]) => [pid, owner, count])).toEqual([[id, 'alive', 2]]);
  });

  it('forgets a consumer idle past forgetConsumerAfterMs once it holds nothing, never one that still holds an entry', async () => {
    const queue = createRedisIngestQueue({ client, keyPrefix, forgetConsumerAfterMs: 1000 });
    // Consumers other than the live one ('alive' appears only once it has been handed an entry).
    const consumers = async () => ((await client.xinfo('CONSUMERS', `${keyPrefix}queue`, 'sef')) as string[][]).map((c) => c[1]).filter((n) => n !== 'alive').sort();
    const held = await queue.enqueue(batch(2));
    expect((await queue.claim('dead-holding', { max: 1, minIdleMs: 60_000 })).map((e) => e.id)).toEqual([held]);
    await queue.enqueue(batch(2, 2));
    const [next] = await queue.claim('dead-empty', { max: 1, minIdleMs: 60_000 });
    await queue.ack([next!.id]);
    expect(await consumers()).toEqual(['dead-empty', 'dead-holding']);
    expect(await queue.claim('alive', { max: 10, minIdleMs: 60_000 })).toEqual([]);
    expect(await consumers()).toEqual(['dead-empty', 'dead-holding']); // none idle long enough yet
    await sleep(1100);
    expect(await queue.claim('alive', { max: 10, minIdleMs: 60_000 })).toEqual([]);
    // 'dead-holding' still holds an entry: it stays until that entry is reclaimed, then goes too.
    expect(await consumers()).toEqual(['dead-holding']);
    expect((await queue.claim('alive', { max: 10, minIdleMs: 0 })).map((e) => e.id)).toEqual([held]);
    await sleep(1100);
    await queue.claim('alive', { max: 10, minIdleMs: 60_000 });
    expect(await consumers()).toEqual([]);
  });

  it('never trims the stream past an unacknowledged entry: it holds exactly what was not acknowledged', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.record({ consumer: fc.constantFrom('c1', 'c2'), max: fc.integer({ min: 1, max: 10 }), ackShare: fc.double({ min: 0, max: 1, noNaN: true }) }), {
          maxLength: 8,
        }),
        async (n, steps) => {
          const queue = createRedisIngestQueue({ client, keyPrefix: `${keyPrefix}${run++}:` });
          const ids: string[] = [];
          for (let k = 0; k < n; k++) ids.push(await queue.enqueue(batch(1, k)));
          const acked = new Set<string>();
          for (const s of steps) {
            const got = await queue.claim(s.consumer, { max: s.max, minIdleMs: 0 });
            const ack = got.slice(0, Math.round(got.length * s.ackShare)).map((e) => e.id);
            await queue.ack(ack);
            for (const id of ack) acked.add(id);
          }
          const left = (await client.xrange(`${keyPrefix}${run - 1}:queue`, '-', '+')).map(([id]) => id);
          expect(left).toEqual(ids.filter((id) => !acked.has(id)));
          expect(await queue.pending()).toBe(left.length);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('recreates its consumer group when the stream vanished (a Redis restart without persistence)', async () => {
    const queue = createRedisIngestQueue({ client, keyPrefix });
    await queue.enqueue(batch(1));
    expect(await queue.claim('c1', { max: 1, minIdleMs: 0 })).toHaveLength(1);
    await client.del(`${keyPrefix}queue`);
    const id = await queue.enqueue(batch(1, 1));
    expect((await queue.claim('c1', { max: 10, minIdleMs: 60_000 })).map((e) => e.id)).toEqual([id]);
  });

  it('leaves no key behind when it claims from a queue nothing was ever enqueued to', async () => {
    const queue = createRedisIngestQueue({ client, keyPrefix });
    expect(await queue.claim('c1', { max: 10, minIdleMs: 0 })).toEqual([]);
    expect(await queue.pending()).toBe(0);
    expect(await keysUnder(client, keyPrefix)).toEqual([]);
    const id = await queue.enqueue(batch(1));
    expect((await queue.claim('c1', { max: 10, minIdleMs: 0 })).map((e) => e.id)).toEqual([id]);
  });

  it('shares one consumer group between two queue objects, as two SEF instances do', async () => {
    const a = createRedisIngestQueue({ client, keyPrefix });
    const b = createRedisIngestQueue({ client: other, keyPrefix });
    const ids = [await a.enqueue(batch(1)), await b.enqueue(batch(1, 1))];
    const got = [...(await a.claim('sef-a', { max: 1, minIdleMs: 60_000 })), ...(await b.claim('sef-b', { max: 1, minIdleMs: 60_000 }))];
    expect(got.map((e) => e.id)).toEqual(ids);
  });
});
