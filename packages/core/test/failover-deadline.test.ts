import { describe, expect, it } from 'vitest';
import { realisticLatencies, type SimMethod } from '../src/sim/cloud.js';
import { createHarness, T0 } from './replica-harness.js';

describe('every failover step runs under the notice deadline', () => {
  for (const method of ['snapshot', 'launch', 'waitUntilRunning', 'route'] as SimMethod[]) {
    it(`a ${method} call that hangs fails the emergency flow at the notice's action time, not later`, async () => {
      const h = createHarness({ latencies: realisticLatencies });
      await h.agent('a1');
      h.cloud.faults.hang(method);
      const notice = h.cloud.signals.notice('i-a1', 'termination-notice', { leadMs: 90_000 });
      let settledAt: number | undefined;
      const p = h.sef.handleSignal(notice).then((r) => ((settledAt = h.clock.now()), r));
      await h.clock.advanceTo(T0 + 89_999);
      expect(settledAt).toBeUndefined();
      await h.clock.advanceTo(T0 + 90_000);
      const { event } = await p;
      expect(settledAt).toBe(T0 + 90_000);
      expect(event).toMatchObject({ success: false, outcome: 'failed', responseTimeMs: 90_000 });
      expect(event.steps.at(-1)).toMatchObject({ ok: false, finishedAt: T0 + 90_000 });
      expect(event.steps.at(-1)?.detail).toMatch(/DeadlineExceeded/);
      expect(h.of('alert').map((a) => a.kind)).toEqual(['failed_failover']);
    });
  }

  it('without an action time the deadline is detection + terminationGracePeriod (120 s), and the provider saw the abort', async () => {
    const h = createHarness({ latencies: realisticLatencies });
    await h.agent('a1');
    h.cloud.faults.hang('snapshot');
    let aborted: unknown;
    const origSnapshot = h.cloud.compute.snapshot.bind(h.cloud.compute);
    h.cloud.compute.snapshot = (id, o) => {
      o?.signal?.addEventListener('abort', () => void (aborted = o.signal?.reason));
      return origSnapshot(id, o);
    };
    const { actionTime: _drop, ...notice } = h.cloud.signals.notice('i-a1', 'termination-notice');
    const p = h.sef.handleSignal(notice);
    await h.clock.advanceTo(T0 + 119_999);
    await h.clock.advanceTo(T0 + 120_000);
    const { event } = await p;
    expect(event.responseTimeMs).toBe(120_000);
    expect(aborted).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
  });

  it('a ready-replica failover whose reroute hangs fails at the deadline too', async () => {
    const h = createHarness({ config: { riskWeights: { interruptionHistory: 0.4, instanceAge: 0.6, priceVolatility: 0 } } });
    await h.agent('a1', { modes: { autoSwitch: true }, launchedAt: T0 - 8 * 86_400_000 });
    await h.settle(h.sef.handleSignal(h.cloud.signals.notice('i-a1', 'rebalance-recommendation')));
    await h.settle(h.sef.idle());
    const r = (await h.sef.status('a1')).replica!;
    await h.sef.replicaHeartbeat('a1', r.instanceId!, 'ready');
    h.cloud.faults.hang('route');
    const start = h.clock.now();
    const notice = h.cloud.signals.notice('i-a1', 'termination-notice');
    const { event } = await h.settle(h.sef.handleSignal(notice), 1_000);
    expect(event).toMatchObject({ success: false, responseTimeMs: 120_000 });
    expect(event.steps.at(-1)).toMatchObject({ name: 'reroute', ok: false, finishedAt: start + 120_000 });
  });
});

describe('a notice retried until its deadline', () => {
  it('logs each failed attempt as a notice.retry warning, and its end as one failover.failed with one alert: no error event', async () => {
    const h = createHarness();
    await h.agent('a1');
    h.cloud.faults.failLaunches(1_000_000); // every launch refused (retryable), until the deadline
    const notice = h.cloud.signals.notice('i-a1', 'termination-notice');
    const { event } = await h.settle(h.sef.handleSignal(notice), 250);
    expect(event).toMatchObject({ success: false, outcome: 'failed' });
    const retries = h.of('notice.retry');
    expect(retries.length).toBeGreaterThan(5);
    expect(retries.map((r) => r.attempt)).toEqual(retries.map((_, i) => i + 1));
    expect(retries.every((r) => r.noticeId === event.id && r.retryAt <= r.deadline + 5_000)).toBe(true);
    expect(h.of('error')).toEqual([]);
    expect(h.of('failover.failed')).toHaveLength(1);
    expect(h.of('alert').map((a) => a.kind)).toEqual(['failed_failover']);
  });
});
