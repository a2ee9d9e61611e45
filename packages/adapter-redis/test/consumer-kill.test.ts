import { fileURLToPath } from 'node:url';
import type { SourceReport } from '@sef/core';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisIngestQueue } from '../src/index.js';
import { startFixture } from './processes.js';
import { connect, dropPrefix, redisUrl, skipRedis, testPrefix } from './redis.js';

const consumerFile = fileURLToPath(new URL('./fixtures/consumer.ts', import.meta.url));

interface Delivery {
  readonly id: string;
  readonly deliveries: number;
  readonly applied: number;
}

/** Runs one consumer; when it prints `paused` (committed, not yet acknowledged) it is killed with SIGKILL. */
function runConsumer(env: Record<string, string>): Promise<{ deliveries: Delivery[]; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const p = startFixture(consumerFile, env);
    const deliveries: Delivery[] = [];
    let killed = false;
    let buffered = '';
    let err = '';
    p.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    p.stdout?.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line === 'paused') {
          killed = p.kill('SIGKILL');
        } else if (line.startsWith('{')) deliveries.push(JSON.parse(line) as Delivery);
      }
    });
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      if (code === 0 || signal === 'SIGKILL') resolve({ deliveries, killed });
      else reject(new Error(`consumer exited with ${code}: ${err}`));
    });
  });
}

const batch = (k: number): SourceReport[] =>
  Array.from({ length: 3 }, (_, i) => ({ agentId: `a${k % 4}`, instanceId: `i-${k % 4}`, poolId: 'us-east-1a:c5.large', timestamp: 1_000_000 + (k * 3 + i) * 300, price: 0.05 + i / 1000, role: 'primary' }));

describe.skipIf(skipRedis)('kill -9 of a consumer between its commit and its XACK', () => {
  let client: Redis;
  const keyPrefix = testPrefix();
  const target = `${keyPrefix}store:`;
  beforeAll(async () => {
    client = await connect();
  });
  afterAll(async () => {
    await dropPrefix(client, keyPrefix);
    await client?.quit();
  });

  it('20 times over loses nothing and duplicates nothing', { timeout: 180_000 }, async () => {
    const queue = createRedisIngestQueue({ client, keyPrefix });
    const enqueued: SourceReport[] = [];
    for (let k = 0; k < 120; k++) {
      const b = batch(k);
      await queue.enqueue(b);
      enqueued.push(...b);
    }
    const env = { REDIS_URL: redisUrl, PREFIX: keyPrefix, TARGET: target, MIN_IDLE_MS: '100' };
    const all: Delivery[] = [];
    for (let round = 0; round < 20; round++) {
      const { deliveries, killed } = await runConsumer({ ...env, CONSUMER: `c-${round}`, PAUSE_AFTER: String(1 + (round % 4)) });
      expect(killed).toBe(true);
      all.push(...deliveries);
      // Let the dead consumer's entry go idle past MIN_IDLE_MS, so the next consumer reclaims it.
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    const last = await runConsumer({ ...env, CONSUMER: 'drainer', PAUSE_AFTER: '0' });
    expect(last.killed).toBe(false);
    all.push(...last.deliveries);

    // Every entry killed after its commit came back (XAUTOCLAIM) and the store absorbed it. A consumer
    // that stops after its first commit dies on the entry it had just reclaimed: that one comes a third time.
    const absorbed = all.filter((d) => d.applied === 0);
    expect(absorbed).toHaveLength(20);
    expect(absorbed.every((d) => d.deliveries >= 2)).toBe(true);
    expect(all.filter((d) => d.applied === 1).every((d) => d.deliveries === 1)).toBe(true);
    // What the store holds is exactly what was enqueued: nothing lost, nothing twice.
    const rows = (await client.lrange(`${target}rows`, 0, -1)).map((r) => JSON.parse(r) as SourceReport);
    const key = (r: SourceReport) => `${r.agentId}|${r.timestamp}|${r.price}`;
    expect(rows.map(key).sort()).toEqual(enqueued.map(key).sort());
    expect(await queue.pending()).toBe(0);
    expect(await client.xpending(`${keyPrefix}queue`, 'sef')).toEqual([0, null, null, null]);
  });
});
