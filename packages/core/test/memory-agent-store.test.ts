import { createFakeClock } from '../src/clock/index.js';
import { createMemoryAgentStore } from '../src/memory/agent-store.js';
import { FenceRegistry } from '../src/memory/fence-registry.js';
import { runAgentStoreContract } from '../src/testing/agent-store.js';

runAgentStoreContract({
  name: 'memory',
  setup: async () => ({ subject: createMemoryAgentStore({ fences: new FenceRegistry(), clock: createFakeClock(Date.UTC(2026, 0, 1)) }) }),
});
