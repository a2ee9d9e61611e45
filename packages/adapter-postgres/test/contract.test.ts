import { describe } from 'vitest';
import type { SefStorage } from '@sef/core';
import {
  runAgentStoreContract,
  runConvergenceContract,
  runEventStoreContract,
  runPoolStoreContract,
  runPriceStoreContract,
  runReplicaStoreContract,
} from '@sef/core/testing';
import type { PostgresStorageOptions } from '../src/index.js';
import { createTestDb, skipPostgres } from './support/db.js';

/** Each test of each suite gets a fresh schema, migrated, and drops it afterwards. */
const on = <K extends keyof SefStorage>(key: K, options: Partial<PostgresStorageOptions> = {}) => async () => {
  const db = await createTestDb(options);
  return { subject: db.storage[key], teardown: db.teardown };
};
// Fewer property runs than in memory: every run is real SQL.
const propertyRuns = 15;

describe.skipIf(skipPostgres)('postgres', () => {
  runPriceStoreContract({ name: 'postgres', setup: on('prices'), propertyRuns });
  runConvergenceContract({ name: 'postgres', setup: on('prices'), propertyRuns: 10 });
  // Every upsert through COPY: new rows straight into the table, the others through the staging table.
  runPriceStoreContract({ name: 'postgres, copyThreshold 1', setup: on('prices', { copyThreshold: 1 }), propertyRuns });
  runConvergenceContract({ name: 'postgres, copyThreshold 1', setup: on('prices', { copyThreshold: 1 }), propertyRuns: 10 });
  runAgentStoreContract({ name: 'postgres', setup: on('agents'), propertyRuns });
  runPoolStoreContract({ name: 'postgres', setup: on('pools'), propertyRuns });
  runReplicaStoreContract({ name: 'postgres', setup: on('replicas'), propertyRuns });
  runEventStoreContract({ name: 'postgres', setup: on('events'), propertyRuns });
});
