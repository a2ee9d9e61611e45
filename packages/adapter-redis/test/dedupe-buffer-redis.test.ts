import fc from 'fast-check';
import { ConfigError, UnavailableError, ValidationError, type SourceReport } from '@sef/core';
import { bufferTestPolicy as policy, sortedReports, sourceReport as report } from '@sef/core/testing';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedisBuffer } from '../src/index.js';
import { parseSeriesId, seriesId } from '../src/keys.js';
import { bufferAppendScript } from '../src/scripts/buffer-scripts.js';
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

describe('createRedisBuffer options', () => {
  it('refuses a chunk size or TTL that is not a positive whole number, naming each', () => {
    const client = new Redis({ lazyConnect: true });
    let error: unknown;
    try {
      createRedisBuffer({ client, chunkSize: 0, keyTtlMs: 1.5 });
    } catch (e) {
      error = e;
    }
    client.disconnect();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.path)).toEqual(['chunkSize', 'keyTtlMs']);
  });
});

describe.skipIf(skipRedis)('createRedisBuffer: what Redis holds', () => {
  let client: Redis;
  let keyPrefix: string;
  useSharedClient((c) => (client = c));
  useTestPrefix(() => client, (p) => (keyPrefix = p));

  const log = async () => ((await client.xrange(`${keyPrefix}buf:log`, '-', '+')) as [string, string[]][]).map(([id, [, d]]) => [id, JSON.parse(d!)]);

  it("writes the spec's primary ($0.0456 at T=1000) as a wait decision to the log, every key under the prefix with a TTL", async () => {
    const buffer = createRedisBuffer({ client, keyPrefix, keyTtlMs: 3_600_000 });
    await buffer.add([report('primary', 1000, 0.0456)], 1_764_000_000_000, policy);
    expect(await keysUnder(client, keyPrefix)).toEqual([`${keyPrefix}buf:count`, `${keyPrefix}buf:head`, `${keyPrefix}buf:log`]);
    expect(await log()).toEqual([['1-0', [1_764_000_000_000, [0, '2:a1:us-east-1a:c5.large', 0, 1000, 0.0456, 'i-a1-primary']]]]);
    expect(await client.get(`${keyPrefix}buf:head`)).toBe('1');
    expect(await client.get(`${keyPrefix}buf:count`)).toBe('1');
    for (const key of await keysUnder(client, keyPrefix)) {
      const ttl = await client.pttl(key);
      expect(ttl).toBeGreaterThan(3_500_000);
      expect(ttl).toBeLessThanOrEqual(3_600_000);
    }
  });

  it('refuses reports the log cannot carry (NaN, Infinity), naming each problem, and writes nothing', async () => {
    const buffer = createRedisBuffer({ client, keyPrefix });
    const error = await buffer.add([report('primary', 1000, 1), report('replica', Infinity, Number.NaN)], 0, policy).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['[1].timestamp', '[1].price']);
    expect(await keysUnder(client, keyPrefix)).toEqual([]);
  });

  it('keeps series apart whose ids only differ in where the colon falls', async () => {
    const buffer = createRedisBuffer({ client, keyPrefix });
    const a = report('primary', 1000, 1, 'a:b', 'c');
    const b = report('replica', 1000, 2, 'a', 'b:c');
    expect(await buffer.add([a, b], 0, policy)).toEqual([]);
    expect(sortedReports(await buffer.releaseExpired(policy.windowMs, policy))).toEqual(sortedReports([a, b]));
  });

  it('writes a pair as the report and its twin’s timestamp, a pair handed again as its re-arming, and a call that changes nothing writes nothing', async () => {
    const buffer = createRedisBuffer({ client, keyPrefix });
    await buffer.add([report('primary', 1000, 0.0456)], 0, policy);
    expect(await buffer.add([report('replica', 1002, 0.0458)], 5_000, policy)).toEqual([report('primary', 1000, 0.0456), report('replica', 1002, 0.0458)]);
    // A repeat at a higher price changes nothing; a redelivered replica is handed its pair again, which re-arms it
    // (once per time: the same call again at the same time changes nothing).
    await buffer.add([report('primary', 2000, 1)], 6_000, policy);
    await buffer.add([report('primary', 2000, 2)], 7_000, policy);
    expect(await buffer.add([report('replica', 1002, 0.0458)], 8_000, policy)).toHaveLength(2);
    expect(await buffer.add([report('replica', 1002, 0.0458)], 8_000, policy)).toHaveLength(2);
    expect((await log()).map(([, d]) => d)).toEqual([
      [0, [0, '2:a1:us-east-1a:c5.large', 0, 1000, 0.0456, 'i-a1-primary']],
      [5_000, [2, '2:a1:us-east-1a:c5.large', 1, 1002, 1000]],
      [6_000, [0, '2:a1:us-east-1a:c5.large', 0, 2000, 1, 'i-a1-primary']],
      [8_000, [4, '2:a1:us-east-1a:c5.large', 1, 1002]],
    ]);
  });

  it('decides the adds made while an append is in flight together, in order, up to chunkSize reports per entry', async () => {
    const buffer = createRedisBuffer({ client, keyPrefix, chunkSize: 4 });
    const primaries = Array.from({ length: 10 }, (_, i) => report('primary', 1000 + i * 300, 1));
    const replicas = primaries.map((p) => report('replica', p.timestamp + 5, 2));
    // Each replica is added right after its primary, in a separate call: grouped calls still see the ones before.
    const released = await Promise.all(primaries.flatMap((p, i) => [buffer.add([p], 0, policy), buffer.add([replicas[i]!], 0, policy)]));
    expect(released.filter((r) => r.length > 0)).toEqual(primaries.map((p, i) => [p, replicas[i]]));
    // The first call goes alone; the 19 that waited for it go as 4 + 4 + 4 + 4 + 3.
    expect((await log()).map(([id]) => id)).toEqual(['1-0', '2-0', '3-0', '4-0', '5-0', '6-0']);
    // One call larger than chunkSize is still one entry.
    await buffer.add(Array.from({ length: 9 }, (_, i) => report('primary', 9000 + i * 300, 1, 'big')), 0, policy);
    expect(await client.xlen(`${keyPrefix}buf:log`)).toBe(7);
    expect(await buffer.size()).toBe(9);
  });

  it('sweeps in entries of at most chunkSize releases, each expired report once, and trims the log of what is dead', async () => {
    const buffer = createRedisBuffer({ client, keyPrefix, chunkSize: 3 });
    const held = Array.from({ length: 40 }, (_, i) => report(i % 2 === 0 ? 'primary' : 'replica', 1000 + i * 300, 1, `a${i % 11}`));
    await buffer.add(held, 0, policy);
    expect(sortedReports(await buffer.releaseExpired(policy.windowMs, policy))).toEqual(sortedReports(held));
    expect(await buffer.size()).toBe(0);
    // 1 entry of waits + 14 of releases; each sweep entry trimmed what came before it.
    expect(await client.get(`${keyPrefix}buf:head`)).toBe('15');
    expect((await log()).map(([id]) => id)).toEqual(['15-0']);
    // A sweep with nothing to release appends nothing and trims the rest.
    expect(await buffer.releaseExpired(2 * policy.windowMs, policy)).toEqual([]);
    expect(await client.xlen(`${keyPrefix}buf:log`)).toBe(0);
    expect(await client.get(`${keyPrefix}buf:head`)).toBe('15');
  });

  it('keeps in the log what is alive (waiting reports, pairs a repeat may ask for), and a new instance rebuilds the same state from it', async () => {
    const a = createRedisBuffer({ client, keyPrefix });
    const early = report('primary', 1000, 1, 'early');
    await a.add([early], 0, policy); // entry 1: waits, released by the sweep below
    await a.add([report('primary', 1000, 1)], 100_000, policy); // entry 2: pairs in entry 3
    await a.add([report('replica', 1001, 2)], 110_000, policy);
    const late = report('replica', 5000, 3, 'late');
    await a.add([late], 200_000, policy); // entry 4: still waits after the sweep
    expect(await a.releaseExpired(policy.windowMs, policy)).toEqual([early]);
    // Entry 1 is dead; entries 2 and 3 hold a pair a repeat may still ask for.
    expect((await log()).map(([id]) => id)).toEqual(['2-0', '3-0', '4-0', '5-0']);

    const b = createRedisBuffer({ client, keyPrefix });
    expect(await b.add([report('replica', 1001, 2)], 120_000, policy)).toEqual([report('primary', 1000, 1), report('replica', 1001, 2)]);
    expect(await b.releaseExpired(200_000 + policy.windowMs - 1, policy)).toEqual([]);
    expect(await b.releaseExpired(200_000 + policy.windowMs, policy)).toEqual([late]);
    // Two windows after the pair, it is gone too: only the last sweep's entry is left.
    expect(await b.releaseExpired(3 * policy.windowMs, policy)).toEqual([]);
    expect(await client.xlen(`${keyPrefix}buf:log`)).toBe(0);
  });

  it('an instance behind what the log still holds rebuilds its state before it decides', async () => {
    const a = createRedisBuffer({ client, keyPrefix });
    const b = createRedisBuffer({ client, keyPrefix });
    await b.add([report('primary', 1000, 1, 'b')], 0, policy); // b has applied entry 1
    // a makes b's report pair and waits, releases, and trims everything b has seen.
    await a.add([report('replica', 1000, 2, 'b')], 1_000, policy);
    await a.add([report('primary', 1000, 1, 'c')], 2_000, policy);
    expect(await a.releaseExpired(2_000 + policy.windowMs, policy)).toEqual([report('primary', 1000, 1, 'c')]);
    await a.add([report('primary', 2000, 1, 'd')], 400_000, policy);
    // The pair keeps its twin's entry (1) and its own (2) in the log; trimmed as a later sweep would once it is old.
    expect((await log()).map(([id]) => id)).toEqual(['1-0', '2-0', '3-0', '4-0', '5-0']);
    await client.xtrim(`${keyPrefix}buf:log`, 'MINID', '4-0');
    // b decides on a state rebuilt from entries 4 and 5: d's primary is waiting, c's is gone.
    expect(await b.add([report('replica', 2001, 2, 'd'), report('replica', 1000, 2, 'c')], 401_000, policy)).toEqual([
      report('primary', 2000, 1, 'd'),
      report('replica', 2001, 2, 'd'),
    ]);
    expect(await a.size()).toBe(1);
  });

  it('learns from the log that an append whose reply was lost did land', async () => {
    const lossy = await connect();
    try {
      // The append script's reply is lost once, after Redis ran it.
      lossy.defineCommand(bufferAppendScript.name, { lua: bufferAppendScript.lua });
      const commands = lossy as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      const real = commands[bufferAppendScript.name]!.bind(lossy);
      let loseNext = true;
      commands[bufferAppendScript.name] = async (...args: unknown[]) => {
        const reply = await real(...args);
        if (loseNext) {
          loseNext = false;
          throw new Error('Connection is closed.');
        }
        return reply;
      };
      const buffer = createRedisBuffer({ client: lossy, keyPrefix });
      const primary = report('primary', 1000, 1);
      await expect(buffer.add([primary], 0, policy)).rejects.toBeInstanceOf(UnavailableError);
      expect(await buffer.size()).toBe(1);
      // The instance rolled back what it decided; its next append conflicts with its own entry, applies it
      // and pairs the replica with the primary that did land.
      expect(await buffer.add([report('replica', 1001, 2)], 1_000, policy)).toEqual([primary, report('replica', 1001, 2)]);
      expect(await buffer.size()).toBe(0);
    } finally {
      await lossy.quit();
    }
  });

  it('releases each report exactly once when a sweep and an add of its twin race on two instances', async () => {
    const other = await connect();
    try {
      const a = createRedisBuffer({ client, keyPrefix });
      const b = createRedisBuffer({ client: other, keyPrefix });
      const primaries = Array.from({ length: 200 }, (_, i) => report('primary', 1000, 1, `r${i}`));
      await a.add(primaries, 0, policy);
      const replicas = primaries.map((p) => report('replica', 1001, 2, p.agentId));
      const [swept, ...added] = await Promise.all([a.releaseExpired(policy.windowMs, policy), ...replicas.map((r) => b.add([r], policy.windowMs, policy))]);
      // Each primary left once: with its replica, or alone by the sweep (and then its replica waits).
      const all = [...swept, ...added.flat()].filter((r) => r.role === 'primary');
      expect(sortedReports(all)).toEqual(sortedReports(primaries));
      expect(await a.size()).toBe(swept.length);
    } finally {
      await other.quit();
    }
  });

  it("names as expired what another instance added, and what it released is no longer expired (the sweep's peek is current)", async () => {
    const other = await connect();
    try {
      const a = createRedisBuffer({ client, keyPrefix });
      const b = createRedisBuffer({ client: other, keyPrefix });
      // a's state is built before b's decisions, so only a current peek sees them.
      expect(await a.expired(policy.windowMs, policy)).toEqual([]);
      const held = [report('primary', 1000, 1, 'x'), report('primary', 1000, 1, 'y')];
      await b.add(held, 0, policy);
      expect(sortedReports(await a.expired(policy.windowMs, policy))).toEqual(sortedReports(held));
      expect(await b.releaseExpired(policy.windowMs, policy)).toHaveLength(2);
      expect(await a.expired(policy.windowMs, policy)).toEqual([]);
    } finally {
      await other.quit();
    }
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

  it('gives a report added again the twin it was released with, for one to two windows after it last came (a lost reply, or a crash before the pair was stored)', async () => {
    const buffer = createRedisBuffer({ client, keyPrefix });
    const primary = report('primary', 1000, 0.0456);
    const replica = report('replica', 1002, 0.0458);
    await buffer.add([primary], 0, policy);
    expect(await buffer.add([replica], 5_000, policy)).toEqual([primary, replica]);
    // The queue redelivers the replica's batch: the primary comes out again rather than being lost.
    expect(await buffer.add([replica], 40_000, policy)).toEqual([primary, replica]);
    expect(await buffer.size()).toBe(0);
    expect(await buffer.releaseExpired(5_000 + policy.windowMs, policy)).toEqual([]);
    // Still within the next window (records live one to two windows from their last use) ...
    expect(await buffer.add([replica], 2 * policy.windowMs - 1, policy)).toEqual([primary, replica]);
    // ... which re-armed it for the window after; with no repeat there, the same report is a new one again and waits.
    expect(await buffer.add([replica], 3 * policy.windowMs, policy)).toEqual([]);
    expect(await buffer.size()).toBe(1);
  });

  it('logs a re-arming, so another instance replaying the log (rebuilt, or caught up after a conflict) remembers the pair as long', async () => {
    const a = createRedisBuffer({ client, keyPrefix });
    const b = createRedisBuffer({ client, keyPrefix });
    const primary = report('primary', 1000, 0.0456);
    const replica = report('replica', 1002, 0.0458);
    const { windowMs } = policy;
    await a.add([primary], 0, policy);
    expect(await a.add([replica], 1_000, policy)).toEqual([primary, replica]);
    const other = report('primary', 1000, 1, 'other');
    await b.add([other], 2_000, policy);
    // a re-arms on a state without b's entry: its append conflicts, it undoes the re-arming, catches up and decides again.
    expect(await a.add([replica], windowMs + 1_000, policy)).toEqual([primary, replica]);
    expect((await log()).at(-1)).toEqual(['4-0', [windowMs + 1_000, [4, '2:a1:us-east-1a:c5.large', 1, 1002]]]);
    // Two windows after the pair was made, a fresh instance (state rebuilt from the log) and b (caught up) still hand it out.
    const fresh = createRedisBuffer({ client, keyPrefix });
    expect(await fresh.releaseExpired(2 * windowMs + 1_000, policy)).toEqual([other]);
    expect(await fresh.add([replica], 2 * windowMs + 1_000, policy)).toEqual([primary, replica]);
    expect(await b.add([replica], 3 * windowMs + 1_000, policy)).toEqual([primary, replica]);
    expect(await a.size()).toBe(0);
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
      const sweepers = [client, ...others].map((c) => createRedisBuffer({ client: c, keyPrefix, chunkSize: 7 }));
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
