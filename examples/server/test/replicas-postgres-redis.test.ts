import { describe } from 'vitest';
import { runReplicaSuite } from './support/replica-suite.js';
import { skipped } from './support/harness.js';

describe.skipIf(skipped('postgres') || skipped('redis'))('on Postgres + Redis', () => {
  runReplicaSuite('postgres+redis');
});
