import { MetadataService } from '@aws-sdk/ec2-metadata-service';
import type { InterruptionSignal } from '@sef/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createImdsSignalSource } from '../src/index.js';
import { startImdsServer, type ImdsState } from './imds-server.js';
import { startLoopbackServer } from './loopback-server.js';

// Real loopback HTTP needs real time: polls every 20 ms, each test well under a second or two.
const pollInterval = 20;
const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 5000, interval: 10 });

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(state: Partial<ImdsState> = {}, options: { retries?: number; failFirst?: number } = {}) {
  const s: ImdsState = { instanceAction: null, rebalance: null, expired: new Set(), ...state };
  let server = await startImdsServer(s);
  const port = server.port;
  const signals: InterruptionSignal[] = [];
  const errors: unknown[] = [];
  let failures = options.failFirst ?? 0;
  const metadata = new MetadataService({ endpoint: server.endpoint, retries: options.retries ?? 0, backoff: 0, httpOptions: { timeout: 500 }, ec2MetadataV1Disabled: true });
  const stop = createImdsSignalSource({ metadata, pollInterval, agentId: 'agent-1' }).start(async (signal) => {
    if (failures-- > 0) throw new Error('store down');
    signals.push(signal);
  }, (e) => errors.push(e));
  cleanups.push(async () => {
    await stop();
    await server.close();
  });
  return {
    state: s,
    signals,
    errors,
    requests: () => server.requests,
    stop,
    down: () => server.close(),
    up: async () => {
      server = await startImdsServer(s, port);
    },
  };
}

const rebalanceBody = (iso: string) => () => JSON.stringify({ noticeTime: iso });
const polls = async (t: Awaited<ReturnType<typeof setup>>, n: number) => {
  const seen = t.requests().length;
  await waitFor(() => expect(t.requests().length).toBeGreaterThanOrEqual(seen + n * 4));
};

describe('IMDSv2 signal watcher', () => {
  it('fetches a token with PUT, then GETs both notice paths with it; 404 means no notice', async () => {
    const t = await setup();
    await polls(t, 3);
    const [put, get] = t.requests();
    expect(put).toMatchObject({ method: 'PUT', url: '/latest/api/token' });
    expect(put!.headers['x-aws-ec2-metadata-token-ttl-seconds']).toBe('21600');
    expect(get).toMatchObject({ method: 'GET', url: '/latest/meta-data/instance-id' });
    expect(get!.headers['x-aws-ec2-metadata-token']).toBe('token-1');
    const urls = new Set(t.requests().map((r) => r.url));
    expect(urls).toContain('/latest/meta-data/spot/instance-action');
    expect(urls).toContain('/latest/meta-data/events/recommendations/rebalance');
    expect(t.signals).toEqual([]);
    expect(t.errors).toEqual([]);
  });

  it('a rebalance notice that appears, stays and disappears is emitted once; a later one is a new notice', async () => {
    const t = await setup();
    await polls(t, 1);
    t.state.rebalance = rebalanceBody('2020-10-27T08:22:00Z');
    await polls(t, 4);
    expect(t.signals).toEqual([{ type: 'rebalance-recommendation', instanceId: 'i-1234567890abcdef0', agentId: 'agent-1', noticeTime: Date.parse('2020-10-27T08:22:00Z'), source: 'imds' }]);
    t.state.rebalance = null;
    await polls(t, 2);
    t.state.rebalance = rebalanceBody('2020-10-27T09:00:00Z');
    await waitFor(() => expect(t.signals).toHaveLength(2));
    expect(t.signals[1]!.noticeTime).toBe(Date.parse('2020-10-27T09:00:00Z'));
    expect(t.errors).toEqual([]);
  });

  it('a termination notice whose time is rewritten on every poll stays one notice, its notice time two minutes before the first time', async () => {
    const served: number[] = [];
    const t = await setup({
      instanceAction: () => {
        const time = Math.floor(Date.now() / 1000) * 1000 + 120_000 + served.length * 1000;
        served.push(time);
        return JSON.stringify({ action: 'terminate', time: new Date(time).toISOString().replace('.000', '') });
      },
    });
    await polls(t, 5);
    expect(served.length).toBeGreaterThanOrEqual(5);
    expect(t.signals).toEqual([{
      type: 'termination-notice', instanceId: 'i-1234567890abcdef0', agentId: 'agent-1', source: 'imds',
      action: 'terminate', actionTime: served[0], noticeTime: served[0]! - 120_000,
    }]);
  });

  it.each(['stop', 'hibernate'] as const)('parses the %s action; hibernate has no two-minute lead', async (action) => {
    const at = '2026-01-01T12:02:00Z';
    const t = await setup({ instanceAction: () => JSON.stringify({ action, time: at }) });
    await waitFor(() => expect(t.signals).toHaveLength(1));
    expect(t.signals[0]).toMatchObject({ action, actionTime: Date.parse(at), noticeTime: Date.parse(at) - (action === 'hibernate' ? 0 : 120_000) });
  });

  it('a 401 for an expired token is retried by the SDK with a fresh token; the notice still arrives once', async () => {
    const t = await setup({ rebalance: rebalanceBody('2020-10-27T08:22:00Z'), expired: new Set(['token-1', 'token-2', 'token-3']) }, { retries: 2 });
    await waitFor(() => expect(t.signals).toHaveLength(1));
    await polls(t, 2);
    expect(t.signals).toHaveLength(1);
    expect(t.requests().some((r) => r.headers['x-aws-ec2-metadata-token'] === 'token-1')).toBe(true);
    expect(t.requests().filter((r) => r.method === 'PUT').length).toBeGreaterThan(3);
  });

  it('a 401 that outlasts the SDK retries goes to onError and polling goes on', async () => {
    const t = await setup({}, { retries: 0 });
    await polls(t, 1);
    for (let i = 1; i <= 1000; i++) t.state.expired.add(`token-${i}`);
    await waitFor(() => expect(t.errors.length).toBeGreaterThan(0));
    t.state.expired.clear();
    t.state.rebalance = rebalanceBody('2020-10-27T08:22:00Z');
    await waitFor(() => expect(t.signals).toHaveLength(1));
    expect(t.errors[0]).toMatchObject({ code: 'PROVIDER', retryable: true });
  });

  it('token PUTs refused for a while (which leaves an SDK client tokenless for good) do not stop the watcher', async () => {
    const s: ImdsState = { instanceAction: null, rebalance: rebalanceBody('2020-10-27T08:22:00Z'), expired: new Set() };
    let refusals = 5;
    const imds = await startImdsServer(s);
    const refusing = await startLoopbackServer(async (r) => {
      if (r.method === 'PUT' && refusals-- > 0) return { status: 404, body: 'Not Found' };
      const res = await fetch(`${imds.endpoint}${r.url}`, { method: r.method, headers: r.headers as Record<string, string> });
      return { status: res.status, body: await res.text() };
    });
    const signals: InterruptionSignal[] = [];
    const errors: unknown[] = [];
    const stop = createImdsSignalSource({ metadata: { endpoint: refusing.endpoint, retries: 0, backoff: 0, httpOptions: { timeout: 500 } }, pollInterval })
      .start(async (signal) => void signals.push(signal), (e) => errors.push(e));
    cleanups.push(async () => {
      await stop();
      await refusing.close();
      await imds.close();
    });
    await waitFor(() => expect(signals).toHaveLength(1));
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(signals[0]).toMatchObject({ type: 'rebalance-recommendation', instanceId: 'i-1234567890abcdef0' });
  });

  it('IMDS unreachable for a while: errors are reported, the notice in force is not emitted again, and a new one is seen after', async () => {
    const t = await setup({ rebalance: rebalanceBody('2020-10-27T08:22:00Z') });
    await waitFor(() => expect(t.signals).toHaveLength(1));
    await t.down();
    await waitFor(() => expect(t.errors.length).toBeGreaterThanOrEqual(3));
    await t.up();
    await polls(t, 3);
    expect(t.signals).toHaveLength(1);
    t.state.rebalance = null;
    await polls(t, 1);
    t.state.rebalance = rebalanceBody('2020-10-27T09:00:00Z');
    await waitFor(() => expect(t.signals).toHaveLength(2));
  });

  it('a handler that fails (not recorded) gets the same notice again on the next poll, until it succeeds', async () => {
    const t = await setup({ rebalance: rebalanceBody('2020-10-27T08:22:00Z') }, { failFirst: 2 });
    await waitFor(() => expect(t.signals).toHaveLength(1));
    await polls(t, 2);
    expect(t.signals).toHaveLength(1);
    expect(t.errors).toHaveLength(2);
  });

  it('a body that is not a notice is reported, not emitted', async () => {
    const t = await setup({ instanceAction: () => '<html>oops</html>' });
    await waitFor(() => expect(t.errors.length).toBeGreaterThan(0));
    expect(t.signals).toEqual([]);
  });

  it('stop ends polling', async () => {
    const t = await setup();
    await polls(t, 1);
    await t.stop();
    const seen = t.requests().length;
    await new Promise((r) => setTimeout(r, 100));
    expect(t.requests().length).toBe(seen);
  });
});
