import { createMemoryPoolStore } from '../src/memory/pool-store.js';
import { runPoolStoreContract } from '../src/testing/pool-store.js';

runPoolStoreContract({ name: 'memory', setup: async () => ({ subject: createMemoryPoolStore() }) });
