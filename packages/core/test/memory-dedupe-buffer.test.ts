import { createMemoryDedupeBuffer } from '../src/memory/dedupe-buffer.js';
import { runDedupeBufferContract } from '../src/testing/dedupe-buffer.js';

runDedupeBufferContract({ name: 'memory', setup: async () => ({ subject: createMemoryDedupeBuffer() }) });
