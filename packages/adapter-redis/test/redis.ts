import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { once } from 'node:events';
import { Redis, type RedisOptions } from 'ioredis';

/** The shared test server (never killed by a test). */
export const redisUrl = process.env.SEF_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** True only when the test script found no Redis outside CI and said so. */
export const skipRedis = (process.env.SEF_TEST_SKIP ?? '').split(',').includes('redis');

/** A fresh key prefix per test (bullmq's convention), dropped by {@link dropPrefix}. */
export const testPrefix = (): string => `test-${randomUUID()}:`;

/** Client options the tests vary. */
export type TestClientOptions = Partial<Pick<RedisOptions, 'enableOfflineQueue' | 'maxRetriesPerRequest' | 'commandTimeout' | 'connectTimeout' | 'retryStrategy'>>;

/** A connected client; the caller quits it. */
export async function connect(options: TestClientOptions = {}, url = redisUrl): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, ...options });
  client.on('error', () => undefined);
  await client.connect();
  if (client.status !== 'ready') await once(client, 'ready');
  return client;
}

/** Every key under `prefix`, for checks of what was really stored. */
export async function keysUnder(client: Redis, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out.sort();
}

/** Deletes every key under `prefix`. */
export async function dropPrefix(client: Redis, prefix: string): Promise<void> {
  const keys = await keysUnder(client, prefix);
  for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500));
}

/** One connected client for every test of the enclosing `describe`, quit after the last. */
export function useSharedClient(use: (client: Redis) => void): void {
  let client: Redis | undefined;
  beforeAll(async () => {
    client = await connect();
    use(client);
  });
  afterAll(async () => {
    await client?.quit();
  });
}

/** A fresh key prefix before each test, with everything under it dropped after. */
export function useTestPrefix(client: () => Redis, use: (prefix: string) => void): void {
  let prefix = '';
  beforeEach(() => {
    prefix = testPrefix();
    use(prefix);
  });
  afterEach(async () => dropPrefix(client(), prefix));
}
