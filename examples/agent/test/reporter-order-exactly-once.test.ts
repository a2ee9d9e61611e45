import fc from 'fast-check';
import { createFakeClock } from '@sef/core';
import { expect, it } from 'vitest';
import type { Delivery, SefHttp } from '../src/http.js';
import { createReporter } from '../src/reporter.js';
import { openSpool } from '../src/spool.js';
import { captureLog, removeDir, tempDir } from './support/agent-setup.js';

/**
 * SEF as a scripted sequence of answers: each attempt takes the next one ('up' = 202, 'down' = 503 or
 * unreachable, 'lost' = stored but the answer never arrived, so the agent retries a stored batch).
 */
it('property: through any pattern of outages, batches reach SEF in the order they were made, each one stored (resends of a stored one change nothing)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.constantFrom('up', 'down', 'lost'), { minLength: 1, maxLength: 30 }),
      fc.integer({ min: 1, max: 12 }),
      async (answers, count) => {
        const dir = await tempDir();
        const stored: number[] = [];
        let i = 0;
        const http: SefHttp = {
          async request(_m, _p, body): Promise<Delivery> {
            const n = (body as { n: number }).n;
            const a = answers[i++] ?? 'up'; // SEF comes back for good after the script
            if (a === 'down') return { kind: 'unavailable', reason: 'HTTP 503' };
            if (!stored.includes(n)) stored.push(n); // idempotent: a resent batch changes nothing
            return a === 'up' ? { kind: 'acknowledged', status: 202, body: { accepted: 1, rejected: [] } } : { kind: 'unavailable', reason: 'socket hang up' };
          },
        };
        const clock = createFakeClock(0);
        const { log } = captureLog();
        const spool = await openSpool({ dir, log, compactEvery: 2 });
        const reporter = createReporter({ http, spool, clock, log, initialBackoffMs: 10, maxBackoffMs: 40 });
        try {
          for (let n = 0; n < count; n++) {
            await reporter.send({ path: '/pricing', body: { n } });
            await clock.advance(15);
          }
          const drained = reporter.drained();
          let done = false;
          void drained.then(() => (done = true));
          while (!done) await clock.advance(50);
          expect(stored).toEqual(Array.from({ length: count }, (_, n) => n));
        } finally {
          await reporter.stop();
          await removeDir(dir);
        }
      },
    ),
    { numRuns: 60 },
  );
});
