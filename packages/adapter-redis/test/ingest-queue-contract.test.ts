import { describe } from 'vitest';
import type { Redis } from 'ioredis';
import { runIngestQueueContract } from '@sef/core/testing';
import { createRedisIngestQueue } from '../src/index.js';
import { dropPrefix, skipRedis, testPrefix, useSharedClient } from './redis.js';

describe.skipIf(skipRedis)('createRedisIngestQueue against a real Redis', () => {
  let client: Redis;
  useSharedClient((c) => (client = c));

  runIngestQueueContract({
    name: 'redis',
    propertyRuns: 40,
    setup: async () => {
      const keyPrefix = testPrefix();
      return { subject: createRedisIngestQueue({ client, keyPrefix }), teardown: () => dropPrefix(client, keyPrefix) };
    },
  });
});
