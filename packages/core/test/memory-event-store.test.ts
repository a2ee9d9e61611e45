import { FenceRegistry } from '../src/memory/fence-registry.js';
import { createMemoryEventStore } from '../src/memory/event-store.js';
import { runEventStoreContract } from '../src/testing/event-store.js';

runEventStoreContract({ name: 'memory', setup: async () => ({ subject: createMemoryEventStore({ fences: new FenceRegistry() }) }) });
