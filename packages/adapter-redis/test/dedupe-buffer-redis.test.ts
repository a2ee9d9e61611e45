import fc from 'fast-check';
import type { SourceReport } from '@sef/core';
import { bufferTestPolicy as policy, sortedReports, sourceReport as report } from '@sef/core/testing';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedisBuffer } from '../src/index.js';
import { parseSeriesId, seriesId } from '../src/keys.js';
import { connect, keysUnder, skipRedis, useSharedClient, useTestPrefix } from './redis.js';


describe('series ids in key names', () => {
  it('round-trip any agent and pool id, colons and non-ASCII included (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (agentId, poolId) => {
        expect(parseSeriesId(seriesId({ agentId, poolId }))).toEqual({ agentId, poolId });
      }),
    );
  });
});

describe.skipIf(skipRedis)('createRedisBuffer: what Redis holds', () => {
  let client: Redis;
  let keyPrefix: string;
  useSharedClient((c) => (client = c));
  useTestPrefix(() => client, (p) => (keyPrefix = p));

  it("holds the spec's primary ($0.0456 at T=1000) as an entry of its series' hash field, every key under the prefix with a TTL", async () => {
    const buffer = createRedisBuffer({ client, keyPrefix, keyTtlMs: 3_600_000 });
    await buffer.add([report('primary', 1000, 0.0456)], 1_764_000_000_000, policy);
    expect(await keysUnder(client, keyPrefix)).toEqual([`${keyPrefix}buf:count`, `${keyPrefix}buf:due`, `${keyPrefix}buf:series`]);
    expect(await client.hgetall(`${keyPrefix}buf:series`)).toEqual({ '2:a1:us-east-1a:c5.large': 'p1000|0.0456|1764000000000|12:i-a1-primary' });
    expect(await client.zrange(`${keyPrefix}buf:due`, '0', '-1', 'WITHSCORES')).toEqual(['2:a1:us-east-1a:c5.large', '1764000000000']);
    expect(await client.get(`${keyPrefix}buf:count`)).toBe('1');
    for (const key of await keysUnder(client, keyPrefix)) {
      const ttl = await client.pttl(key);
      expect(ttl).toBeGreaterThan(3_500_000);
      expect(ttl).toBeLessThanOrEqual(3_600_000);
    }
  });

  it('keeps series apart whose ids only differ in where the colon falls', async () => {
    const buffer = createRedisBuffer({ client, keyPrefix });
    const a = report('primary', 1000, 1, 'a:b', 'c');
    const b = report('replica', 1000, 2, 'a', 'b:c');
    expect(await buffer.add([a, b], 0, policy)).toEqual([]);
    expect(sortedReports(await buffer.releaseExpired(policy.windowMs, policy))).toEqual(sortedReports([a, b]));
  });

  it('pairs across the chunks of one large add', async () => {
    const buffer = createRedisBuffer({ client, keyPrefix, chunkSize: 3 });
    const primaries = Array.from({ length: 10 }, (_, i) => report('primary', 1000 + i * 300, 1));
    const replicas = Array.from({ length: 10 }, (_, i) => report('replica', 1005 + i * 300, 2));
    expect(sortedReports(await buffer.add([...primaries, ...replicas], 0, policy))).toEqual(sortedReports([...primaries, ...replicas]));
    expect(await buffer.size()).toBe(0);
    // What is left is one pair record per pair, kept for one window, and the emptied series with the
    // bound of its due score, which the next sweep past that score removes.
    expect(await keysUnder(client, keyPrefix)).toEqual([`${keyPrefix}buf:count`, `${keyPrefix}buf:due`, `${keyPrefix}buf:paired:0`, `${keyPrefix}buf:series`]);
    expect(await client.hlen(`${keyPrefix}buf:paired:0`)).toBe(10);
    expect(await client.hget(`${keyPrefix}buf:paired:0`, '2:a1:us-east-1a:c5.large|r1005')).toBe('0|p1000|1|0|12:i-a1-primary');
    expect(await client.pttl(`${keyPrefix}buf:paired:0`)).toBeGreaterThan(3 * policy.windowMs - 10_000);
    expect(await client.hget(`${keyPrefix}buf:series`, '2:a1:us-east-1a:c5.large')).toBe('@0');
    expect(await buffer.releaseExpired(policy.windowMs, policy)).toEqual([]);
    expect(await keysUnder(client, keyPrefix)).toEqual([`${keyPrefix}buf:count`, `${keyPrefix}buf:paired:0`]);
  });

  it('sweeps page by page through many series, each expired report once', async () => {
    const buffer = createRedisBuffer({ client, keyPrefix, sweepPageSize: 3 });
    const held = Array.from({ length: 40 }, (_, i) => report(i % 2 === 0 ? 'primary' : 'replica', 1000 + i * 300, 1, `a${i % 11}`));
    await buffer.add(held, 0, policy);
    expect(sortedReports(await buffer.releaseExpired(policy.windowMs, policy))).toEqual(sortedReports(held));
    expect(await keysUnder(client, keyPrefix)).toEqual([`${keyPrefix}buf:count`]);
    expect(await buffer.size()).toBe(0);
  });

  it('keeps the due score of a series at or before its earliest report; the sweep sets it exactly', async () => {
    const buffer = createRedisBuffer({ client, keyPrefix });
    const due = () => client.zscore(`${keyPrefix}buf:due`, '2:a1:us-east-1a:c5.large');
    await buffer.add([report('primary', 1000, 1)], 0, policy);
    await buffer.add([report('primary', 2000, 1)], 60_000, policy);
    expect(await due()).toBe('0');
    // The report that arrived at 0 leaves with its twin: the score stays, a lower bound the add does not touch.
    await buffer.add([report('replica', 1000, 1)], 70_000, policy);
    expect(await due()).toBe('0');
    // A sweep before anything is due visits the series and sets its score to the earliest arrival left.
    expect(await buffer.releaseExpired(60_000 + policy.windowMs - 1, policy)).toEqual([]);
    expect(await due()).toBe('60000');
    expect(await buffer.releaseExpired(60_000 + policy.windowMs, policy)).toEqual([report('primary', 2000, 1)]);
    expect(await keysUnder(client, keyPrefix)).toEqual([`${keyPrefix}buf:count`, `${keyPrefix}buf:paired:0`]);
  });

  it('leaves the due index alone when an add fills a series it emptied before; the sweep forgets an empty series', async () => {
    const buffer = createRedisBuffer({ client, keyPrefix });
    const id = '2:a1:us-east-1a:c5.large';
    await buffer.add([report('primary', 1000, 1)], 10_000, policy);
    await buffer.add([report('replica', 1001, 1)], 11_000, policy);
    expect(await client.hget(`${keyPrefix}buf:series`, id)).toBe('@10000');
    expect(await client.zscore(`${keyPrefix}buf:due`, id)).toBe('10000');
    // The next observation waits; its series' score (10 s) is already before its arrival (70 s).
    await client.zadd(`${keyPrefix}buf:due`, '5000', 'probe'); // a member the add must not disturb either
    await buffer.add([report('primary', 1060, 1)], 70_000, policy);
    expect(await client.zrange(`${keyPrefix}buf:due`, '0', '-1', 'WITHSCORES')).toEqual(['probe', '5000', id, '10000']);
    expect(await buffer.releaseExpired(70_000 + policy.windowMs, policy)).toEqual([report('primary', 1060, 1)]);
    // Emptied again by another pair, then forgotten by the sweep once its bound has passed.
    await client.zrem(`${keyPrefix}buf:due`, 'probe');
    await buffer.add([report('primary', 1120, 1)], 400_000, policy);
    await buffer.add([report('replica', 1121, 1)], 401_000, policy);
    expect(await client.hget(`${keyPrefix}buf:series`, id)).toBe('@400000');
    expect(await buffer.releaseExpired(400_000 + policy.windowMs - 1, policy)).toEqual([]);
    expect(await client.hexists(`${keyPrefix}buf:series`, id)).toBe(1);
    expect(await buffer.releaseExpired(400_000 + policy.windowMs, policy)).toEqual([]);
    expect(await client.hexists(`${keyPrefix}buf:series`, id)).toBe(0);
    expect(await client.zcard(`${keyPrefix}buf:due`)).toBe(0);
  });

  it('forgets many emptied series page by page, and an add meanwhile keeps its series', async () => {
    const buffer = createRedisBuffer({ client, keyPrefix, sweepPageSize: 3 });
    const primaries = Array.from({ length: 20 }, (_, i) => report('primary', 1000, 1, `a${i}`));
    const replicas = primaries.map((p) => report('replica', 1001, 1, p.agentId));
    await buffer.add(primaries, 0, policy);
    expect(await buffer.add(replicas, 1_000, policy)).toHaveLength(40);
    expect(await client.hlen(`${keyPrefix}buf:series`)).toBe(20);
    // One series gets its next observation before the sweep: it must keep it.
    await buffer.add([report('primary', 1060, 1, 'a7')], 60_000, policy);
    expect(await buffer.releaseExpired(policy.windowMs, policy)).toEqual([]);
    expect(await client.hkeys(`${keyPrefix}buf:series`)).toEqual(['2:a7:us-east-1a:c5.large']);
    expect(await client.zrange(`${keyPrefix}buf:due`, '0', '-1', 'WITHSCORES')).toEqual(['2:a7:us-east-1a:c5.large', '60000']);
    expect(await buffer.releaseExpired(60_000 + policy.windowMs, policy)).toEqual([report('primary', 1060, 1, 'a7')]);
    expect(await keysUnder(client, keyPrefix)).toEqual([`${keyPrefix}buf:count`, `${keyPrefix}buf:paired:0`]);
  });

  it('lowers the due score when a report arrives by an earlier clock than the series holds (skew between instances)', async () => {
    const buffer = createRedisBuffer({ client, keyPrefix });
    await buffer.add([report('primary', 1000, 1)], 50_000, policy);
    await buffer.add([report('primary', 2000, 1)], 40_000, policy);
    expect(await client.zscore(`${keyPrefix}buf:due`, '2:a1:us-east-1a:c5.large')).toBe('40000');
    expect(await buffer.releaseExpired(40_000 + policy.windowMs, policy)).toEqual([report('primary', 2000, 1)]);
    expect(await buffer.releaseExpired(50_000 + policy.windowMs, policy)).toEqual([report('primary', 1000, 1)]);
    // The same for a series an add emptied: its bound (60 s) is after the new arrival (55 s).
    await buffer.add([report('primary', 3000, 1)], 60_000, policy);
    await buffer.add([report('replica', 3000, 1)], 60_000, policy);
    await buffer.add([report('primary', 4000, 1)], 55_000, policy);
    expect(await buffer.releaseExpired(55_000 + policy.windowMs, policy)).toEqual([report('primary', 4000, 1)]);
  });

  it('keeps the first arrival when a repeat with a lower price replaces a waiting report', async () => {
    const buffer = createRedisBuffer({ client, keyPrefix });
    await buffer.add([report('primary', 1000, 0.05)], 0, policy);
    await buffer.add([report('primary', 1000, 0.04)], 100_000, policy);
    expect(await buffer.releaseExpired(policy.windowMs, policy)).toEqual([report('primary', 1000, 0.04)]);
  });

  it('skips the pair records for a first delivery: a repeat is then a new report', async () => {
    const buffer = createRedisBuffer({ client, keyPrefix });
    const primary = report('primary', 1000, 0.0456);
    const replica = report('replica', 1002, 0.0458);
    await buffer.add([primary], 0, policy, { firstDelivery: true });
    expect(await buffer.add([replica], 5_000, policy, { firstDelivery: true })).toEqual([primary, replica]);
    // The agent sent the replica's report twice: the second copy waits, and leaves alone when its window closes.
    expect(await buffer.add([replica], 6_000, policy, { firstDelivery: true })).toEqual([]);
    // Within one call, the same report twice still gets the pair its first copy made.
    await buffer.add([report('primary', 2000, 1)], 7_000, policy, { firstDelivery: true });
    const twice = await buffer.add([report('replica', 2000, 2), report('replica', 2000, 2)], 8_000, policy, { firstDelivery: true });
    expect(twice).toEqual([report('primary', 2000, 1), report('replica', 2000, 2), report('primary', 2000, 1), report('replica', 2000, 2)]);
    expect(await buffer.size()).toBe(1);
  });

  it('gives a report added again the twin it was released with, for one window (a lost reply, or a crash before the pair was stored)', async () => {
    const buffer = createRedisBuffer({ client, keyPrefix });
    const primary = report('primary', 1000, 0.0456);
    const replica = report('replica', 1002, 0.0458);
    await buffer.add([primary], 0, policy);
    expect(await buffer.add([replica], 5_000, policy)).toEqual([primary, replica]);
    // The queue redelivers the replica's batch: the primary comes out again rather than being lost.
    expect(await buffer.add([replica], 40_000, policy)).toEqual([primary, replica]);
    expect(await buffer.size()).toBe(0);
    expect(await buffer.releaseExpired(5_000 + policy.windowMs, policy)).toEqual([]);
    // Still within the next window (records live one to two windows) ...
    expect(await buffer.add([replica], 2 * policy.windowMs - 1, policy)).toEqual([primary, replica]);
    // ... and after that the same report is a new one again and waits.
    expect(await buffer.add([replica], 2 * policy.windowMs, policy)).toEqual([]);
    expect(await buffer.size()).toBe(1);
  });

  it("pairs a 5,000-report backfill of one series with the replica's backfill, sent in reverse order", async () => {
    const buffer = createRedisBuffer({ client, keyPrefix });
    const primaries = Array.from({ length: 5000 }, (_, i) => report('primary', 1_000_000 + i * 60, 1));
    const replicas = primaries.map((p) => report('replica', p.timestamp + 2, 2)).reverse();
    expect(await buffer.add(primaries, 0, policy)).toEqual([]);
    expect(sortedReports(await buffer.add(replicas, 0, policy))).toEqual(sortedReports([...primaries, ...replicas]));
    expect(await buffer.size()).toBe(0);
  });

  it('releases each expired single exactly once with three sweepers on three connections', async () => {
    const others = await Promise.all([connect(), connect()]);
    try {
      const sweepers = [client, ...others].map((c) => createRedisBuffer({ client: c, keyPrefix, sweepPageSize: 7 }));
      const held = Array.from({ length: 3000 }, (_, i) => report(i % 2 === 0 ? 'primary' : 'replica', 1000 + Math.floor(i / 300) * 300, 1, `a${i % 300}`));
      await sweepers[0]!.add(held, 0, policy);
      expect(await sweepers[0]!.size()).toBe(3000);
      const released = (await Promise.all(sweepers.map((b) => b.releaseExpired(policy.windowMs, policy)))).flat();
      expect(released).toHaveLength(3000);
      expect(sortedReports(released)).toEqual(sortedReports(held));
      expect(await sweepers[0]!.size()).toBe(0);
    } finally {
      await Promise.all(others.map((c) => c.quit()));
    }
  });

  it('keeps prices and timestamps exact through Redis (property)', async () => {
    const buffer = createRedisBuffer({ client, keyPrefix });
    await fc.assert(
      fc.asyncProperty(fc.double({ min: 1e-6, max: 1000, noNaN: true }), fc.double({ min: 0, max: 4e9, noNaN: true }), async (price, timestamp) => {
        const r = report('replica', timestamp, price, 'exact');
        await buffer.add([r], 0, policy);
        expect(await buffer.releaseExpired(policy.windowMs, policy)).toEqual([r]);
      }),
      { numRuns: 100 },
    );
  });

  it('holds a repeat of any timestamp once, so timestamps reach the script exactly (property)', async () => {
    const buffer = createRedisBuffer({ client, keyPrefix });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.double({ min: -1e12, max: 1e12, noNaN: true }).filter((t) => !Object.is(t, -0)), async (timestamp) => {
        const agent = `ts${run++}`;
        await buffer.add([report('primary', timestamp, 2, agent)], 0, policy, { firstDelivery: true });
        await buffer.add([report('primary', timestamp, 1, agent)], 0, policy, { firstDelivery: true });
        expect(await buffer.releaseExpired(policy.windowMs, policy)).toEqual([report('primary', timestamp, 1, agent)]);
      }),
      { numRuns: 100 },
    );
  });

  it('pairs and returns reports whose ids hold any Unicode, exactly (property)', async () => {
    const buffer = createRedisBuffer({ client, keyPrefix });
    const text = fc.string({ unit: 'binary', minLength: 1, maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(text, text, text, text, async (agentId, poolId, primaryId, replicaId) => {
        const primary = { agentId, poolId, instanceId: primaryId, timestamp: 1000, price: 0.0456, role: 'primary' as const };
        const replica = { ...primary, instanceId: replicaId, timestamp: 1002, price: 0.0458, role: 'replica' as const };
        expect(await buffer.add([primary], 0, policy, { firstDelivery: true })).toEqual([]);
        expect(await buffer.add([replica], 0, policy, { firstDelivery: true })).toEqual([primary, replica]);
        expect(await buffer.size()).toBe(0);
        await client.del(`${keyPrefix}buf:series`, `${keyPrefix}buf:due`);
      }),
      { numRuns: 100 },
    );
  });

  it('uses under 150 bytes of Redis memory per waiting report (10 per series, 1,000 series)', async () => {
    const buffer = createRedisBuffer({ client, keyPrefix });
    const reports: SourceReport[] = [];
    for (let s = 0; s < 1000; s++) {
      for (let k = 0; k < 10; k++) {
        reports.push({ agentId: `agent-${s}`, instanceId: 'i-0123456789abcdef0', poolId: 'us-east-1a:c5.large', timestamp: 1_764_000_000 + k * 60, price: 0.0456, role: 'primary' });
      }
    }
    await buffer.add(reports, 1_764_000_000_000, policy);
    let bytes = 0;
    for (const key of await keysUnder(client, keyPrefix)) bytes += Number(await client.memory('USAGE', key, 'SAMPLES', '0'));
    const perReport = bytes / reports.length;
    console.log(`Redis memory per waiting report (MEMORY USAGE): ${perReport.toFixed(1)} bytes`);
    expect(await buffer.size()).toBe(10_000);
    expect(perReport).toBeLessThan(150);
  });
});
