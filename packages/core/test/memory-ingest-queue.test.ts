import { createFakeClock } from '../src/clock/index.js';
import { createMemoryIngestQueue } from '../src/memory/ingest-queue.js';
import { runIngestQueueContract } from '../src/testing/ingest-queue.js';

runIngestQueueContract({ name: 'memory', setup: async () => ({ subject: createMemoryIngestQueue({ clock: createFakeClock(0) }) }) });
