import { describe } from 'vitest';
import { runEndpointSuite } from './support/endpoint-suite.js';
import { skipped } from './support/harness.js';

// Skips only when scripts/test.mjs found Postgres or Redis missing outside CI (SEF_TEST_SKIP).
describe.skipIf(skipped('postgres') || skipped('redis'))('on Postgres + Redis', () => {
  runEndpointSuite('postgres+redis');
});
