import { describe } from 'vitest';
import type { Redis } from 'ioredis';
import { runDedupeBufferContract } from '@sef/core/testing';
import { createRedisBuffer } from '../src/index.js';
import { dropPrefix, skipRedis, testPrefix, useSharedClient } from './redis.js';

describe.skipIf(skipRedis)('createRedisBuffer against a real Redis', () => {
  let client: Redis;
  useSharedClient((c) => (client = c));

  runDedupeBufferContract({
    name: 'redis',
    propertyRuns: 40,
    setup: async () => {
      const keyPrefix = testPrefix();
      return { subject: createRedisBuffer({ client, keyPrefix }), teardown: () => dropPrefix(client, keyPrefix) };
    },
  });
});
