import { once } from 'node:events';
import { StorageError, UnavailableError, type SourceReport } from '@sef/core';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisBuffer, createRedisIngestQueue, createRedisLeaseManager, redisClientOptions } from '../src/index.js';
import { createPrivateRedis, type PrivateRedis } from './private-redis.js';
import { connect, skipRedis } from './redis.js';

const policy = { timeTolerance: 30, windowMs: 300_000 };
const batch = (k: number): SourceReport[] => [{ agentId: 'a1', instanceId: 'i-1', poolId: 'us-east-1a:c5.large', timestamp: 1000 + k * 300, price: 0.05, role: 'primary' }];

/** Every adapter call, so that each is seen to fail the same way. */
function everyCall(client: Redis) {
  const queue = createRedisIngestQueue({ client, keyPrefix: 'loss:' });
  const buffer = createRedisBuffer({ client, keyPrefix: 'loss:' });
  const leases = createRedisLeaseManager({ client, keyPrefix: 'loss:' });
  const lease = { key: 'agent:a1', owner: 'sef-1', token: 1, expiresAt: 0 };
  return {
    enqueue: () => queue.enqueue(batch(99)),
    claim: () => queue.claim('c1', { max: 10, minIdleMs: 0 }),
    ack: () => queue.ack(['1-0']),
    pending: () => queue.pending(),
    add: () => buffer.add(batch(99), 0, policy),
    releaseExpired: () => buffer.releaseExpired(0, policy),
    size: () => buffer.size(),
    acquire: () => leases.acquire('agent:a1', 'sef-1', 1000),
    renew: () => leases.renew(lease, 1000),
    release: () => leases.release(lease),
  };
}

async function expectUnavailable(call: () => Promise<unknown>): Promise<void> {
  const error = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnavailableError);
  expect((error as UnavailableError).code).toBe('UNAVAILABLE');
  expect((error as UnavailableError).cause).toBeInstanceOf(Error);
}

// The shared Redis is only used to know whether this machine runs Redis at all.
describe.skipIf(skipRedis)('connection loss (a private redis-server, killed with SIGKILL)', () => {
  let server: PrivateRedis;
  let client: Redis;
  /** A client with ioredis' defaults: offline queue on, 20 retries per request. */
  let patient: Redis;
  beforeAll(async () => {
    server = await createPrivateRedis();
    await server.start();
    client = await connect({ ...redisClientOptions, retryStrategy: () => 50 }, server.url);
    patient = await connect({ retryStrategy: () => 50 }, server.url);
  });
  afterAll(async () => {
    client?.disconnect();
    patient?.disconnect();
    server?.destroy();
  });

  it('fails every call fast with UnavailableError while Redis is away, and the consumer resumes after it returns with nothing acknowledged lost', async () => {
    const queue = createRedisIngestQueue({ client, keyPrefix: 'loss:' });
    const ids: string[] = [];
    for (let k = 0; k < 10; k++) ids.push(await queue.enqueue(batch(k)));
    const first = await queue.claim('sef-1', { max: 4, minIdleMs: 60_000 });
    await queue.ack(first.slice(0, 2).map((e) => e.id));

    // A command in flight when the server dies: stop the server, send, then kill it.
    server.signal('SIGSTOP');
    const inFlight = queue.enqueue(batch(50));
    await new Promise((r) => setTimeout(r, 50));
    server.signal('SIGKILL');
    await expectUnavailable(() => inFlight);

    // Calls made while the client reconnects: each fails at once.
    if (client.status === 'ready') await once(client, 'close');
    for (const call of Object.values(everyCall(client))) await expectUnavailable(call);

    // Through a client with ioredis' defaults the calls fail as fast: the adapter never lets them queue.
    if (patient.status === 'ready') await once(patient, 'close');
    for (const call of Object.values(everyCall(patient))) await expectUnavailable(call);

    await server.start();
    if (client.status !== 'ready') await once(client, 'ready');
    // The consumer resumes: the entries acknowledged before the loss stay gone, every other one comes back.
    const again = await queue.claim('sef-2', { max: 100, minIdleMs: 0 });
    expect(again.map((e) => e.id)).toEqual(ids.slice(2));
    await queue.ack(again.map((e) => e.id));
    expect(await queue.pending()).toBe(0);
  });

  it('maps errors that are not the connection to a non-retryable StorageError', async () => {
    await client.set('wrong:queue', 'not a stream');
    const queue = createRedisIngestQueue({ client, keyPrefix: 'wrong:' });
    const error = await queue.enqueue(batch(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).retryable).toBe(false);
    expect(String((error as StorageError).cause)).toContain('WRONGTYPE');
  });

  it('a frozen Redis: enqueue gives up with UnavailableError at enqueueTimeoutMs, not the command timeout; the batch may still land after the thaw', async () => {
    const queue = createRedisIngestQueue({ client, keyPrefix: 'frozen:', enqueueTimeoutMs: 200 });
    await queue.enqueue(batch(1));
    server.signal('SIGSTOP');
    try {
      const error = await queue.enqueue(batch(2)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnavailableError);
      // The deadline's own message, not ioredis' "Command timed out" of the client's commandTimeout.
      expect((error as UnavailableError).message).toContain('no answer within 200 ms');
    } finally {
      server.signal('SIGCONT');
    }
    // Nothing was acknowledged for it, but Redis ran the XADD once it could.
    for (let until = Date.now() + 5_000; (await queue.pending()) < 2 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 20));
    expect(await queue.pending()).toBe(2);
  });
});
