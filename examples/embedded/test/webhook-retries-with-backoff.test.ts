import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFakeClock } from '@sef/core';
import { afterEach, expect, it } from 'vitest';
import { createWebhook } from '../src/webhook.js';

let close: (() => void) | undefined;
afterEach(() => close?.());

/** A receiver answering the given statuses in turn (the last one repeats). */
async function receiver(statuses: number[]) {
  let calls = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(statuses[Math.min(calls++, statuses.length - 1)]!).end());
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  close = () => server.close();
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, calls: () => calls };
}

it('5xx and 429 are retried after 200, 400, 800 ms (doubling) and the call resolves true once delivered', async () => {
  const r = await receiver([500, 429, 503, 200]);
  const clock = createFakeClock(0);
  const waits: number[] = [];
  const sleep = clock.sleep;
  const notify = createWebhook({ url: r.url, clock: { ...clock, sleep: (ms, s) => (waits.push(ms), sleep(ms, s)) } });
  const done = notify({ kind: 'notice' });
  while (r.calls() < 4) {
    await new Promise((res) => setTimeout(res, 5));
    await clock.advance(1000);
  }
  expect(await done).toBe(true);
  expect(waits).toEqual([200, 400, 800]);
});

it('a 4xx is not retried; after the last attempt the call resolves false and each failure was reported', async () => {
  const bad = await receiver([404]);
  const failures: [string, number, boolean][] = [];
  expect(await createWebhook({ url: bad.url, onFailure: (...f) => failures.push(f) })({})).toBe(false);
  expect(bad.calls()).toBe(1);
  expect(failures).toEqual([['HTTP 404', 1, false]]);
  close?.();

  const down = await receiver([503]);
  failures.length = 0;
  expect(await createWebhook({ url: down.url, attempts: 3, initialBackoffMs: 1, onFailure: (...f) => failures.push(f) })({})).toBe(false);
  expect(down.calls()).toBe(3);
  expect(failures.map((f) => f[2])).toEqual([true, true, false]);
});
