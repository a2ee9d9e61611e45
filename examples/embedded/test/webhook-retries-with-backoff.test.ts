import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { createWebhook } from '../src/webhook.js';

let close: (() => void) | undefined;
afterEach(() => close?.());

/** A receiver answering the given [status, headers] in turn (the last one repeats). */
async function receiver(answers: [number, Record<string, string>?][]) {
  let calls = 0;
  const at: number[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      at.push(Date.now());
      const [status, headers] = answers[Math.min(calls++, answers.length - 1)]!;
      res.writeHead(status, headers ?? {}).end();
    });
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  close = () => server.close();
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, calls: () => calls, at };
}

it('5xx and 429 are retried with jittered waits (spread, within the cap) and the call resolves true once delivered', async () => {
  const r = await receiver([[500], [429], [503], [502], [200]]);
  const waits: number[] = [];
  const notify = createWebhook({ url: r.url, initialBackoffMs: 20, maxBackoffMs: 60, onRetry: (ms) => waits.push(ms) });
  expect(await notify({ kind: 'notice' })).toBe(true);
  expect(r.calls()).toBe(5);
  expect(waits).toHaveLength(4);
  expect(waits.every((ms) => ms >= 0 && ms <= 60)).toBe(true);
  // Jitter: many webhooks that failed together spread their first retry.
  const firsts = new Set<number>();
  for (let i = 0; i < 30; i++) {
    const down = await receiver([[503], [200]]);
    await createWebhook({ url: down.url, initialBackoffMs: 5, onRetry: (ms) => void firsts.add(ms) })({});
    close?.();
  }
  expect(firsts.size).toBeGreaterThan(20);
});

it.each([
  ['seconds', (): string => '1', 1000],
  ['an HTTP-date', (): string => new Date(Math.floor(Date.now() / 1000) * 1000 + 2000).toUTCString(), 2000],
] as const)('Retry-After in %s is honoured: the next attempt waits that long, not the backoff', async (_form, header, expected) => {
  const r = await receiver([[503, { "retry-after": header() }], [200]]);
  const waits: number[] = [];
  expect(await createWebhook({ url: r.url, initialBackoffMs: 1, onRetry: (ms) => waits.push(ms) })({})).toBe(true);
  expect(waits).toHaveLength(1);
  expect(waits[0]).toBeGreaterThan(expected - 1500); // the date has whole seconds and is read a moment later
  expect(waits[0]).toBeLessThanOrEqual(expected);
  expect(r.at[1]! - r.at[0]!).toBeGreaterThanOrEqual(waits[0]! - 5);
});

it('a 4xx other than 429 is not retried; after the last attempt the call resolves false and each failure was reported', async () => {
  for (const status of [400, 404, 409]) {
    const bad = await receiver([[status, { 'retry-after': '1' }]]);
    const failures: [string, number, boolean][] = [];
    expect(await createWebhook({ url: bad.url, onFailure: (...f) => failures.push(f) })({})).toBe(false);
    expect(bad.calls()).toBe(1);
    expect(failures).toEqual([[`HTTP ${status}`, 1, false]]);
    close?.();
  }

  const down = await receiver([[503]]);
  const failures: [string, number, boolean][] = [];
  expect(await createWebhook({ url: down.url, attempts: 3, initialBackoffMs: 1, onFailure: (...f) => failures.push(f) })({})).toBe(false);
  expect(down.calls()).toBe(3);
  expect(failures).toEqual([['HTTP 503', 1, true], ['HTTP 503', 2, true], ['HTTP 503', 3, false]]);
});

it('an attempt with no answer in time is cut by the timeout and retried', async () => {
  let calls = 0;
  const server = createServer((req, res) => {
    req.resume();
    if (calls++ === 0) return; // never answers the first
    req.on('end', () => res.writeHead(204).end());
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  close = () => {
    server.closeAllConnections();
    server.close();
  };
  const failures: string[] = [];
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  expect(await createWebhook({ url, timeoutMs: 100, initialBackoffMs: 1, onFailure: (e) => failures.push(e) })({})).toBe(true);
  expect(failures).toEqual(['no answer within 100 ms']);
});
