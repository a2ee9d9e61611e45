import type { InterruptionSignal } from '@sef/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createImdsSignalSource } from '../src/index.js';
import { startImdsMock, type ImdsMock } from '../src/testing/index.js';

// Against the local IMDS of @sef/adapter-aws/testing (real loopback HTTP, so real time): polls every
// 20 ms, each test well under a second or two.
const pollInterval = 20;
const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 5000, interval: 10 });

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(options: { failFirst?: number; instanceId?: string; before?: (imds: ImdsMock) => Promise<void> | void } = {}) {
  const imds = await startImdsMock();
  await options.before?.(imds);
  const signals: InterruptionSignal[] = [];
  const errors: unknown[] = [];
  let failures = options.failFirst ?? 0;
  const stop = createImdsSignalSource({ imds: { endpoint: imds.endpoint, timeoutMs: 500 }, pollInterval, agentId: 'agent-1', ...(options.instanceId ? { instanceId: options.instanceId } : {}) })
    .start(async (signal) => {
      if (failures-- > 0) throw new Error('store down');
      signals.push(signal);
    }, (e) => errors.push(e));
  cleanups.push(async () => {
    await stop();
    await imds.close();
  });
  return { imds, signals, errors, stop };
}

const noticeGets = (imds: ImdsMock) => imds.requests.filter((r) => r.path.endsWith('spot/instance-action')).length;
/** Waits for `n` more polls (each reads the instance-action path once). */
const polls = async (imds: ImdsMock, n: number) => {
  const seen = noticeGets(imds);
  await waitFor(() => expect(noticeGets(imds)).toBeGreaterThanOrEqual(seen + n));
};
const messages = (errors: unknown[]) => errors.map((e) => (e as Error).message);

describe('IMDSv2 signal watcher', () => {
  it('fetches a token with PUT, then GETs both notice paths with it; 404 means no notice', async () => {
    const { imds, signals, errors } = await setup();
    await polls(imds, 3);
    const [put, get] = imds.requests;
    expect(put).toMatchObject({ method: 'PUT', path: '/latest/api/token', status: 200 });
    expect(get).toMatchObject({ method: 'GET', path: '/latest/meta-data/instance-id', token: put!.body, status: 200 });
    expect(imds.requests.filter((r) => r.method === 'PUT')).toHaveLength(1); // the token is reused
    expect(imds.requests.filter((r) => r.path.endsWith('rebalance')).every((r) => r.status === 404)).toBe(true);
    expect(signals).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('a rebalance notice that appears, stays and disappears is emitted once; a later one is a new notice', async () => {
    const { imds, signals, errors } = await setup();
    await polls(imds, 1);
    imds.recommendRebalance(Date.parse('2020-10-27T08:22:00Z'));
    await polls(imds, 4);
    expect(signals).toEqual([{ type: 'rebalance-recommendation', instanceId: imds.instanceId, agentId: 'agent-1', noticeTime: Date.parse('2020-10-27T08:22:00Z'), source: 'imds' }]);
    imds.clear();
    await polls(imds, 2);
    imds.recommendRebalance(Date.parse('2020-10-27T09:00:00Z'));
    await waitFor(() => expect(signals).toHaveLength(2));
    expect(signals[1]!.noticeTime).toBe(Date.parse('2020-10-27T09:00:00Z'));
    expect(errors).toEqual([]);
  });

  it('a termination notice whose time is rewritten on every poll stays one notice, its notice time two minutes before the first time', async () => {
    const { imds, signals } = await setup();
    imds.interrupt('terminate');
    const servedTimes = () => imds.requests.filter((r) => r.path.endsWith('spot/instance-action') && r.status === 200).map((r) => Date.parse((JSON.parse(r.body) as { time: string }).time));
    // The mock rewrites `time` (whole seconds) on every request: poll until it has changed at least once.
    await waitFor(() => expect(new Set(servedTimes()).size).toBeGreaterThan(1));
    const served = servedTimes();
    expect(signals).toEqual([{
      type: 'termination-notice', instanceId: imds.instanceId, agentId: 'agent-1', source: 'imds',
      action: 'terminate', actionTime: served[0], noticeTime: served[0]! - 120_000,
    }]);
  });

  it.each(['stop', 'hibernate'] as const)('reads the %s action; hibernate has no two-minute lead', async (action) => {
    const { imds, signals } = await setup();
    imds.interrupt(action);
    await waitFor(() => expect(signals).toHaveLength(1));
    const first = imds.requests.find((r) => r.path.endsWith('spot/instance-action') && r.status === 200)!;
    const time = Date.parse((JSON.parse(first.body) as { time: string }).time);
    expect(signals[0]).toMatchObject({ action, actionTime: time, noticeTime: time - (action === 'hibernate' ? 0 : 120_000) });
  });

  it('a 401 for an expired token gets a fresh token at once; the notice still arrives once', async () => {
    const { imds, signals, errors } = await setup();
    await polls(imds, 1);
    imds.expireTokens();
    imds.recommendRebalance(Date.parse('2020-10-27T08:22:00Z'));
    await waitFor(() => expect(signals).toHaveLength(1));
    await polls(imds, 2);
    expect(signals).toHaveLength(1);
    expect(imds.requests.some((r) => r.status === 401)).toBe(true);
    expect(imds.requests.filter((r) => r.method === 'PUT')).toHaveLength(2);
    expect(errors).toEqual([]);
  });

  it.each([
    [405, 'an IMDSv1-only endpoint or a proxy'],
    [403, 'IMDS is turned off for this instance'],
  ])('a token request refused with %i is reported as such (status, token refused), and the watcher recovers once tokens come', async (status, why) => {
    const { imds, signals, errors } = await setup({ instanceId: 'i-given', before: (m) => m.refuseTokens(status) });
    imds.recommendRebalance(Date.parse('2020-10-27T08:22:00Z'));
    await waitFor(() => expect(errors.length).toBeGreaterThanOrEqual(2));
    expect(messages(errors)[0]).toContain(`IMDS refused the session token (PUT /latest/api/token answered ${status})`);
    expect(messages(errors)[0]).toContain(why);
    expect(messages(errors).join('\n')).not.toContain('IMDSv1 is disabled');
    expect((errors[0] as Error).cause).toMatchObject({ name: 'ImdsError', request: 'token', status });
    imds.refuseTokens(null);
    await waitFor(() => expect(signals).toHaveLength(1));
    expect(signals[0]).toMatchObject({ type: 'rebalance-recommendation', instanceId: 'i-given' });
  });

  it('started before IMDS is up: errors say it is not reachable; once it answers, the instance id is read and notices flow', async () => {
    const { imds, signals, errors } = await setup({ before: (m) => m.down() });
    await waitFor(() => expect(errors.length).toBeGreaterThanOrEqual(2));
    expect(messages(errors)[0]).toMatch(/^IMDS instance-id failed: IMDS at http:\/\/127\.0\.0\.1:\d+ did not answer the token request: ECONNREFUSED/);
    imds.interrupt('terminate');
    await imds.up();
    await waitFor(() => expect(signals).toHaveLength(1));
    expect(signals[0]).toMatchObject({ type: 'termination-notice', instanceId: imds.instanceId });
  });

  it('IMDS unreachable for a while: errors are reported, the notice in force is not emitted again, and a new one is seen after', async () => {
    const { imds, signals, errors } = await setup();
    imds.recommendRebalance(Date.parse('2020-10-27T08:22:00Z'));
    await waitFor(() => expect(signals).toHaveLength(1));
    await imds.down();
    await waitFor(() => expect(errors.length).toBeGreaterThanOrEqual(3));
    await imds.up();
    await polls(imds, 3);
    expect(signals).toHaveLength(1);
    imds.clear();
    // Two more reads of the first path: a whole poll in between has read every path, each one empty.
    await polls(imds, 2);
    imds.recommendRebalance(Date.parse('2020-10-27T09:00:00Z'));
    await waitFor(() => expect(signals).toHaveLength(2));
  });

  it('a handler that fails (not recorded) gets the same notice again on the next poll, until it succeeds', async () => {
    const { imds, signals, errors } = await setup({ failFirst: 2 });
    imds.recommendRebalance(Date.parse('2020-10-27T08:22:00Z'));
    await waitFor(() => expect(signals).toHaveLength(1));
    await polls(imds, 2);
    expect(signals).toHaveLength(1);
    expect(errors).toHaveLength(2);
  });

  it('a body that is not a notice is reported, not emitted', async () => {
    const { imds, signals, errors } = await setup();
    imds.serveRaw('spot/instance-action', '<html>oops</html>');
    await waitFor(() => expect(errors.length).toBeGreaterThan(0));
    expect(signals).toEqual([]);
  });

  it('stop ends polling', async () => {
    const { imds, stop } = await setup();
    await polls(imds, 1);
    await stop();
    // A request sent just before the stop may reach the mock just after it: count from a moment later,
    // then give the watcher the time of ten polls to show it has none left.
    await new Promise((r) => setTimeout(r, 100));
    const seen = imds.requests.length;
    await new Promise((r) => setTimeout(r, 10 * pollInterval));
    expect(imds.requests.length).toBe(seen);
  });
});
