import { afterAll, beforeAll, describe } from 'vitest';
import type { Redis } from 'ioredis';
import { runDedupeBufferContract } from '@sef/core/testing';
import { createRedisBuffer } from '../src/index.js';
import { connect, dropPrefix, skipRedis, testPrefix } from './redis.js';

describe.skipIf(skipRedis)('createRedisBuffer against a real Redis', () => {
  let client: Redis;
  beforeAll(async () => {
    client = await connect();
  });
  afterAll(async () => {
    await client?.quit();
  });

  runDedupeBufferContract({
    name: 'redis',
    propertyRuns: 40,
    setup: async () => {
      const keyPrefix = testPrefix();
      return { subject: createRedisBuffer({ client, keyPrefix }), teardown: () => dropPrefix(client, keyPrefix) };
    },
  });
});
