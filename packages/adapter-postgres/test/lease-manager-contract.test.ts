import { describe } from 'vitest';
import { runLeaseManagerContract } from '@sef/core/testing';
import { createPostgresLeaseManager } from '../src/index.js';
import { createTestDb, skipPostgres } from './support/db.js';

describe.skipIf(skipPostgres)('createPostgresLeaseManager against a real PostgreSQL', () => {
  runLeaseManagerContract({
    name: 'postgres',
    propertyRuns: 25,
    // Time passes for real on the server's clock: short leases keep the expiry tests quick.
    ttlMs: 200,
    setup: async () => {
      const db = await createTestDb();
      return {
        subject: createPostgresLeaseManager({ pool: db.pool, onError: () => undefined }),
        advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        teardown: db.teardown,
      };
    },
  });
});
