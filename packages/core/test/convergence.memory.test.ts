import { createMemoryPriceStore } from '../src/memory/price-store.js';
import { runConvergenceContract } from '../src/testing/convergence.js';

runConvergenceContract({ name: 'memory', setup: async () => ({ subject: createMemoryPriceStore() }) });
