import { describe } from 'vitest';
import type { Redis } from 'ioredis';
import { runLeaseManagerContract } from '@sef/core/testing';
import { createRedisLeaseManager } from '../src/index.js';
import { dropPrefix, skipRedis, testPrefix, useSharedClient } from './redis.js';

describe.skipIf(skipRedis)('createRedisLeaseManager against a real Redis', () => {
  let client: Redis;
  useSharedClient((c) => (client = c));

  runLeaseManagerContract({
    name: 'redis',
    propertyRuns: 40,
    // Time passes for real against Redis: short leases keep the expiry tests quick.
    ttlMs: 200,
    setup: async () => {
      const keyPrefix = testPrefix();
      return {
        subject: createRedisLeaseManager({ client, keyPrefix }),
        advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        teardown: () => dropPrefix(client, keyPrefix),
      };
    },
  });
});
