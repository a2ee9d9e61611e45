import { describe } from 'vitest';
import { runAgentStoreContract } from '../../core/src/testing/agent-store.js';
import { runEventStoreContract } from '../../core/src/testing/event-store.js';
import { runPoolStoreContract } from '../../core/src/testing/pool-store.js';
import { runPriceStoreContract } from '../../core/src/testing/price-store.js';
import { runReplicaStoreContract } from '../../core/src/testing/replica-store.js';
import type { SefStorage } from '@sef/core';
import { createTestDb, skipPostgres } from './support/db.js';

/** Each test of each suite gets a fresh schema, migrated, and drops it afterwards. */
const on = <K extends keyof SefStorage>(key: K) => async () => {
  const db = await createTestDb();
  return { subject: db.storage[key], teardown: db.teardown };
};
const propertyRuns = 15;

describe.skipIf(skipPostgres)('postgres', () => {
  runPriceStoreContract({ name: 'postgres', setup: on('prices'), propertyRuns });
  runAgentStoreContract({ name: 'postgres', setup: on('agents'), propertyRuns });
  runPoolStoreContract({ name: 'postgres', setup: on('pools'), propertyRuns });
  runReplicaStoreContract({ name: 'postgres', setup: on('replicas'), propertyRuns });
  runEventStoreContract({ name: 'postgres', setup: on('events'), propertyRuns });
});
