import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisBuffer } from '../src/index.js';
import { runFixture } from './processes.js';
import { connect, dropPrefix, redisUrl, skipRedis, testPrefix } from './redis.js';

const child = fileURLToPath(new URL('./fixtures/race-child.ts', import.meta.url));

describe.skipIf(skipRedis)('two SEF processes racing on one pair', () => {
  let client: Redis;
  const keyPrefix = testPrefix();
  beforeAll(async () => {
    client = await connect();
  });
  afterAll(async () => {
    await dropPrefix(client, keyPrefix);
    await client?.quit();
  });

  it('merge a primary and its replica exactly once, 1,000 times out of 1,000', { timeout: 120_000 }, async () => {
    const rounds = 1000;
    const env = { REDIS_URL: redisUrl, PREFIX: keyPrefix, ROUNDS: String(rounds) };
    const outs = await Promise.all([runFixture(child, { ...env, ROLE: 'primary' }), runFixture(child, { ...env, ROLE: 'replica' })]);
    const [primary, replica] = outs.map((out) => JSON.parse(out) as number[]) as [number[], number[]];
    expect(primary).toHaveLength(rounds);
    expect(replica).toHaveLength(rounds);
    // Per round: one process got the pair (2 reports), the other nothing.
    const perRound = primary.map((p, k) => [p, replica[k]!].sort().join('+'));
    expect(perRound.filter((r) => r !== '0+2')).toEqual([]);
    expect(await createRedisBuffer({ client, keyPrefix }).size()).toBe(0);
    // Both orders happened: the race was real, not one process always first.
    const primaryWon = primary.filter((p) => p === 2).length;
    expect(primaryWon).toBeGreaterThan(0);
    expect(primaryWon).toBeLessThan(rounds);
    console.log(`pairs released by the primary's process: ${primaryWon}, by the replica's: ${rounds - primaryWon}`);
  });
});
