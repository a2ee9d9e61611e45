import { describe } from 'vitest';
import { runNoticeSuite } from './support/notice-suite.js';
import { skipped } from './support/harness.js';

describe.skipIf(skipped('postgres') || skipped('redis'))('on Postgres + Redis', () => {
  runNoticeSuite('postgres+redis');
});
