import { createFakeClock } from '../src/clock/index.js';
import { FenceRegistry } from '../src/memory/fence-registry.js';
import { createMemoryReplicaStore } from '../src/memory/replica-store.js';
import { runReplicaStoreContract } from '../src/testing/replica-store.js';

runReplicaStoreContract({
  name: 'memory',
  setup: async () => ({ subject: createMemoryReplicaStore({ fences: new FenceRegistry(), clock: createFakeClock(Date.UTC(2026, 0, 1)) }) }),
});
