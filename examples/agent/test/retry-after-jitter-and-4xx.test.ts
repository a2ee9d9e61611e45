import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFakeClock, type Clock } from '@sef/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createBackoff } from '../src/backoff.js';
import { createSefHttp } from '../src/http.js';
import { createReporter } from '../src/reporter.js';
import { parseRetryAfter } from '../src/retry-after.js';
import { openSpool } from '../src/spool.js';
import { captureLog, removeDir, tempDir } from './support/agent-setup.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** SEF as a loopback server answering the given [status, headers] in turn (the last one repeats). */
async function sef(answers: [number, Record<string, string>?][]) {
  let calls = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const [status, headers] = answers[Math.min(calls++, answers.length - 1)]!;
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(status < 300 ? '{"accepted":1,"rejected":[]}' : '{"error":{"code":"X","message":"x"}}');
    });
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls: () => calls };
}

/** A reporter on a fake clock whose sleeps are recorded; `run` advances the clock until `done`. */
async function reporterFor(url: string) {
  const dir = await tempDir();
  const clock = createFakeClock(Date.now());
  const sleeps: number[] = [];
  const recording: Clock = { ...clock, sleep: (ms, signal) => (sleeps.push(ms), clock.sleep(ms, signal)) };
  const { log, lines } = captureLog();
  const spool = await openSpool({ dir, log });
  const reporter = createReporter({ http: createSefHttp({ url, token: 't' }), spool, clock: recording, log });
  cleanups.push(async () => {
    await reporter.stop();
    await removeDir(dir);
  });
  const run = async (done: () => boolean) => {
    for (let i = 0; i < 200 && !done(); i++) {
      await new Promise((r) => setTimeout(r, 5)); // let the loopback request finish
      await clock.advance(1000);
    }
  };
  return { reporter, sleeps, lines, run };
}

describe('Retry-After', () => {
  it('is read in both forms: delay-seconds and HTTP-date (a past date is 0); anything else is ignored', () => {
    const now = Date.parse('2026-12-03T10:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 03 Dec 2026 10:00:09 GMT', now)).toBe(9000);
    expect(parseRetryAfter('Thu, 03 Dec 2026 09:59:00 GMT', now)).toBe(0);
    for (const bad of [null, undefined, '', '-1', '1.5', 'soon', '2026-12-03']) expect(parseRetryAfter(bad, now)).toBeUndefined();
    fc.assert(fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: -86_400, max: 86_400 }), (seconds, offset) => {
      expect(parseRetryAfter(String(seconds), now)).toBe(seconds * 1000);
      expect(parseRetryAfter(new Date(now + offset * 1000).toUTCString(), now)).toBe(Math.max(0, offset * 1000));
    }));
  });

  it.each([
    ['seconds', (): string => '7', 7000],
    ['an HTTP-date', (): string => new Date(Math.floor(Date.now() / 1000) * 1000 + 9000).toUTCString(), 9000],
  ] as const)('a 503 with Retry-After in %s makes the reporter wait that long before the next attempt', async (_form, header, expected) => {
    const server = await sef([[503, { 'retry-after': header() }], [202]]);
    const t = await reporterFor(server.url);
    await t.reporter.send({ path: '/api/agents/a/pricing', body: { reports: [] } });
    await t.run(() => server.calls() >= 2 && t.reporter.backlog() === 0);
    expect(server.calls()).toBe(2);
    expect(t.sleeps).toHaveLength(1);
    // The date form has whole seconds and is read a moment after it was written (up to a second less).
    expect(t.sleeps[0]).toBeGreaterThan(expected - 1500);
    expect(t.sleeps[0]).toBeLessThanOrEqual(expected);
  });

  it('a 429 with Retry-After is retried after it; SEF\'s rate limiter says when (seconds)', async () => {
    const server = await sef([[429, { 'retry-after': '3' }], [202]]);
    const t = await reporterFor(server.url);
    await t.reporter.send({ path: '/api/agents/a/pricing', body: { reports: [] } });
    await t.run(() => t.reporter.backlog() === 0 && server.calls() >= 2);
    expect(t.sleeps).toEqual([3000]);
  });
});

describe('jittered backoff', () => {
  it('waits are spread (jitter), never above the cap, and grow from attempt to attempt', () => {
    const sequences = Array.from({ length: 300 }, () => {
      const b = createBackoff({ initialMs: 500, maxMs: 30_000 });
      return Array.from({ length: 8 }, () => b.next());
    });
    const all = sequences.flat();
    expect(Math.min(...all)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...all)).toBeLessThanOrEqual(30_000);
    const firsts = new Set(sequences.map((s) => s[0]));
    expect(firsts.size).toBeGreaterThan(250); // 300 agents that failed together do not retry in step
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const medians = [0, 3, 6].map((k) => median(sequences.map((s) => s[k]!)));
    expect(medians[0]!).toBeLessThan(medians[1]!);
    expect(medians[1]!).toBeLessThan(medians[2]!);
    expect(createBackoff({ maxMs: 30_000 }).next(3_600_000)).toBe(30_000); // a Retry-After is capped too
  });

  it('the reporter waits jittered times while SEF is down without Retry-After, each within the cap', async () => {
    const server = await sef([[503], [503], [503], [503], [503], [202]]);
    const t = await reporterFor(server.url);
    await t.reporter.send({ path: '/api/agents/a/pricing', body: { reports: [] } });
    await t.run(() => t.reporter.backlog() === 0 && server.calls() >= 6);
    expect(t.sleeps).toHaveLength(5);
    expect(t.sleeps.every((ms) => ms >= 0 && ms <= 30_000)).toBe(true);
    expect(t.sleeps).not.toEqual([500, 1000, 2000, 4000, 8000]); // not the old fixed doubling
  });
});

describe('4xx', () => {
  it.each([400, 401, 403, 404, 409, 413])('%i is not retried: one request, dropped with a log line, no wait', async (status) => {
    const server = await sef([[status, { 'retry-after': '1' }]]);
    const t = await reporterFor(server.url);
    await t.reporter.send({ path: '/api/agents/a/pricing', body: { reports: [] } });
    expect(server.calls()).toBe(1);
    expect(t.reporter.backlog()).toBe(0);
    expect(t.sleeps).toEqual([]);
    expect(t.lines.some((l) => l['msg'] === 'SEF refused the request; dropped, not retried' && l['status'] === status)).toBe(true);
  });
});
