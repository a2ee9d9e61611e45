import { createMemoryPriceStore } from '../src/memory/price-store.js';
import { runPriceStoreContract } from '../src/testing/price-store.js';

runPriceStoreContract({ name: 'memory', setup: async () => ({ subject: createMemoryPriceStore() }) });
