import { describe, expect, it } from 'vitest';
import type { EventStore, SignalOutcome } from '../ports/event-store.js';
import type { InterruptionEventRecord } from '../ports/types.js';
import { useContractSubject, type ContractOptions } from './contract.js';
import { runEventStoreLogContract } from './event-store-log.js';

const t0 = Date.UTC(2026, 0, 1);

/** Distinct ids get distinct notice times unless a test sets one, so they are distinct notices. */
const idOffset = (id: string) => [...id].reduce((sum, c, i) => sum + c.charCodeAt(0) * (i + 1), 0);

/** A termination notice not yet handled, for contract tests. */
export const newSignalEvent = (id: string, extra: Partial<InterruptionEventRecord> = {}): InterruptionEventRecord => ({
  id,
  agentId: 'a1',
  instanceId: 'i-a1-p',
  poolId: 'us-east-1a:c5.large',
  signalType: 'termination-notice',
  instanceRole: 'primary',
  detectedAt: t0,
  noticeTime: t0 + idOffset(id),
  actionTime: t0 + 120_000,
  deadline: t0 + 120_000,
  responseTimeMs: null,
  success: null,
  outcome: null,
  steps: [],
  ...extra,
});

const done = (responseTimeMs: number, success = true): SignalOutcome => ({
  responseTimeMs,
  success,
  outcome: success ? 'promoted' : 'failed',
  steps: [{ name: 'promote', startedAt: t0, finishedAt: t0 + responseTimeMs, ok: success }],
});

/**
 * The {@link EventStore} contract: the exactly-once gate (also under 40 racing callers), single fenced
 * completion, the history count and the spec's failover query; the system log in `event-store-log`.
 * @example
 * runEventStoreContract({ name: 'memory', setup: async () => ({ subject: createMemoryEventStore({ fences }) }) });
 */
export function runEventStoreContract(options: ContractOptions<EventStore>): void {
  describe(`EventStore contract (${options.name})`, () => {
    let store: EventStore;
    useContractSubject(options, (subject) => (store = subject));

    it('records a signal once: the second record of the same id is not created and returns the first', async () => {
      const first = await store.recordSignal(newSignalEvent('s1'));
      expect(first).toEqual({ created: true, event: newSignalEvent('s1') });
      const second = await store.recordSignal(newSignalEvent('s1', { detectedAt: t0 + 5 }));
      expect(second.created).toBe(false);
      expect(second.event).toEqual(newSignalEvent('s1'));
      expect(await store.getSignal('s1')).toEqual(newSignalEvent('s1'));
      expect(await store.getSignal('none')).toBeUndefined();
    });

    it('of 40 racing recordSignal calls with one id exactly one creates it', async () => {
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => store.recordSignal(newSignalEvent('s1', { detectedAt: t0 + i }))));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const stored = await store.getSignal('s1');
      for (const r of results) expect(r.event).toEqual(stored);
    });

    it('pins a primary notice: another id for the same agent, type and notice time as primary is the same notice', async () => {
      const first = newSignalEvent('a1~i-old~term~1', { instanceId: 'i-old', noticeTime: t0 });
      await store.recordSignal(first);
      // Sent again without its instance after the failover: the primary is now another instance.
      const again = await store.recordSignal(newSignalEvent('a1~i-new~term~1', { instanceId: 'i-new', noticeTime: t0 }));
      expect(again).toEqual({ created: false, event: first });
      expect(await store.getSignal('a1~i-new~term~1')).toBeUndefined();
      // Not the same notice: the replica's, another type, another time, another agent.
      for (const [id, extra] of [
        ['r', { instanceRole: 'replica', instanceId: 'i-r', noticeTime: t0 }],
        ['rb', { signalType: 'rebalance-recommendation', noticeTime: t0 }],
        ['t', { noticeTime: t0 + 1 }],
        ['b', { agentId: 'a2', noticeTime: t0 }],
      ] as const) expect((await store.recordSignal(newSignalEvent(id, extra))).created).toBe(true);
    });

    it('of 20 racing records of one primary notice under different ids exactly one creates it', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.recordSignal(newSignalEvent(`p${i}`, { instanceId: `i-${i % 3}`, noticeTime: t0 }))));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const stored = results.find((r) => r.created)!.event;
      for (const r of results) expect(r.event).toEqual(stored);
    });

    it('saves the steps of an open notice (fenced), lists open notices by deadline, and refuses steps after completion', async () => {
      await store.recordSignal(newSignalEvent('s1', { deadline: t0 + 90_000 }));
      await store.recordSignal(newSignalEvent('s2', { deadline: t0 + 60_000 }));
      await store.recordSignal(newSignalEvent('s3'));
      await store.completeSignal('s3', done(5));
      expect((await store.listOpenSignals()).map((s) => s.id)).toEqual(['s2', 's1']);
      expect((await store.listOpenSignals({ limit: 1 })).map((s) => s.id)).toEqual(['s2']);
      const running = [{ name: 'snapshot', startedAt: t0, finishedAt: t0 + 5, ok: true, result: { snapshotIds: ['snap-1'] } }, { name: 'launch', startedAt: t0 + 5, finishedAt: null, ok: null }];
      const saved = await store.saveSteps('s1', running, { fencingToken: 2 });
      expect(saved.steps).toEqual(running);
      expect((await store.getSignal('s1'))?.steps).toEqual(running);
      await expect(store.saveSteps('s1', [], { fencingToken: 1 })).rejects.toMatchObject({ code: 'STALE_FENCING_TOKEN' });
      expect((await store.getSignal('s1'))?.steps).toEqual(running);
      await expect(store.saveSteps('s3', running)).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(store.saveSteps('none', running)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await store.completeSignal('s1', done(7), { fencingToken: 2 });
      expect((await store.listOpenSignals()).map((s) => s.id)).toEqual(['s2']);
    });

    it('a fenced read registers the token (older tokens are refused from then on) and returns the notice as it stands; a stale one is refused', async () => {
      await store.recordSignal(newSignalEvent('s1'));
      await store.recordSignal(newSignalEvent('s2'));
      const running = [{ name: 'decide_path', startedAt: t0, finishedAt: null, ok: null }];
      await store.saveSteps('s1', running, { fencingToken: 3 });
      expect(await store.getSignal('s1', { fencingToken: 4 })).toMatchObject({ id: 's1', steps: running });
      // The token is the agent's: an older holder's write to any of its notices is refused now.
      await expect(store.saveSteps('s1', [], { fencingToken: 3 })).rejects.toMatchObject({ code: 'STALE_FENCING_TOKEN' });
      await expect(store.completeSignal('s2', done(1), { fencingToken: 3 })).rejects.toMatchObject({ code: 'STALE_FENCING_TOKEN' });
      await expect(store.getSignal('s2', { fencingToken: 3 })).rejects.toMatchObject({ code: 'STALE_FENCING_TOKEN' });
      expect(await store.getSignal('s1')).toMatchObject({ steps: running, success: null });
      expect(await store.getSignal('none', { fencingToken: 9 })).toBeUndefined();
      await store.saveSteps('s1', [], { fencingToken: 4 });
    });

    it('of racing fenced writes and a fenced read with a newer token, the read sees every write it does not refuse', async () => {
      await store.recordSignal(newSignalEvent('s1'));
      const steps = (n: number) => [{ name: `step-${n}`, startedAt: t0 + n, finishedAt: null, ok: null }];
      const writes = Array.from({ length: 10 }, (_, n) => store.saveSteps('s1', steps(n), { fencingToken: 1 }).then(() => n, () => undefined));
      const read = await store.getSignal('s1', { fencingToken: 2 });
      const accepted = (await Promise.all(writes)).filter((n) => n !== undefined);
      // The notice stands as the read saw it: no write of the older token landed after the read.
      expect(await store.getSignal('s1')).toEqual(read);
      if (accepted.length > 0) expect(read?.steps).toHaveLength(1);
      else expect(read?.steps).toEqual([]);
    });

    it('completes a signal once with its outcome and steps; a second completion is a conflict', async () => {
      await store.recordSignal(newSignalEvent('s1'));
      const c = await store.completeSignal('s1', done(12_500));
      expect(c).toMatchObject({ id: 's1', responseTimeMs: 12_500, success: true, outcome: 'promoted' });
      expect(c.steps).toEqual(done(12_500).steps);
      expect(await store.getSignal('s1')).toEqual(c);
      await expect(store.completeSignal('s1', done(1, false))).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await store.getSignal('s1')).toEqual(c);
      await expect(store.completeSignal('none', done(1))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('refuses a completion with a stale fencing token for the agent, writing nothing', async () => {
      await store.recordSignal(newSignalEvent('s1'));
      await store.recordSignal(newSignalEvent('s2'));
      await store.completeSignal('s1', done(10), { fencingToken: 4 });
      await expect(store.completeSignal('s2', done(10), { fencingToken: 3 })).rejects.toMatchObject({ code: 'STALE_FENCING_TOKEN' });
      expect((await store.getSignal('s2'))?.success).toBeNull();
      await store.completeSignal('s2', done(11), { fencingToken: 4 });
      expect((await store.getSignal('s2'))?.responseTimeMs).toBe(11);
    });

    it('lists signals detected since a time, newest first, per agent and with a limit', async () => {
      await store.recordSignal(newSignalEvent('s1', { detectedAt: t0 + 1 }));
      await store.recordSignal(newSignalEvent('s2', { detectedAt: t0 + 3 }));
      await store.recordSignal(newSignalEvent('s3', { detectedAt: t0 + 2, agentId: 'a2' }));
      await store.recordSignal(newSignalEvent('s0', { detectedAt: t0 - 1 }));
      expect((await store.listSignals({ since: t0 })).map((s) => s.id)).toEqual(['s2', 's3', 's1']);
      expect((await store.listSignals({ since: t0, agentId: 'a1' })).map((s) => s.id)).toEqual(['s2', 's1']);
      expect((await store.listSignals({ since: t0, limit: 1 })).map((s) => s.id)).toEqual(['s2']);
      await store.recordSignal(newSignalEvent('s4', { detectedAt: t0 + 4, instanceId: 'i-other' }));
      expect((await store.listSignals({ since: 0, instanceId: 'i-other' })).map((s) => s.id)).toEqual(['s4']);
      expect((await store.listSignals({ since: 0, agentId: 'a2', instanceId: 'i-other' }))).toEqual([]);
    });

    it('counts termination notices in a pool since a time (rebalance recommendations are not interruptions)', async () => {
      const pool = 'us-east-1a:c5.large';
      await store.recordSignal(newSignalEvent('s1', { detectedAt: t0 + 10 }));
      await store.recordSignal(newSignalEvent('s2', { detectedAt: t0 + 20, instanceId: 'i-2' }));
      await store.recordSignal(newSignalEvent('s3', { detectedAt: t0 + 30, signalType: 'rebalance-recommendation' }));
      await store.recordSignal(newSignalEvent('s4', { detectedAt: t0 + 40, poolId: 'us-east-1b:c5.large' }));
      await store.recordSignal(newSignalEvent('s5', { detectedAt: t0 - 40 }));
      expect(await store.countInterruptions(pool, t0)).toBe(2);
      expect(await store.countInterruptions(pool, t0 + 15)).toBe(1);
      expect(await store.countInterruptions('us-west-2a:m5.large', t0)).toBe(0);
    });

    it('counts the same termination notices by UTC hour of day', async () => {
      const pool = 'us-east-1a:c5.large';
      const hour = 3_600_000;
      // t0 is midnight UTC: notices at 00:10 (two, on two days), 13:59 and 23:00; others that do not count.
      await store.recordSignal(newSignalEvent('s1', { detectedAt: t0 + 10 * 60_000 }));
      await store.recordSignal(newSignalEvent('s2', { detectedAt: t0 + 24 * hour + 10 * 60_000, instanceId: 'i-2' }));
      await store.recordSignal(newSignalEvent('s3', { detectedAt: t0 + 14 * hour - 1 }));
      await store.recordSignal(newSignalEvent('s4', { detectedAt: t0 + 23 * hour }));
      await store.recordSignal(newSignalEvent('s5', { detectedAt: t0 + 5 * hour, signalType: 'rebalance-recommendation' }));
      await store.recordSignal(newSignalEvent('s6', { detectedAt: t0 + 5 * hour, poolId: 'us-east-1b:c5.large' }));
      await store.recordSignal(newSignalEvent('s7', { detectedAt: t0 - 2 * hour }));
      const expected: number[] = Array(24).fill(0);
      expected[0] = 2;
      expected[13] = 1;
      expected[23] = 1;
      expect(await store.interruptionsByHour(pool, t0)).toEqual(expected);
      expect((await store.interruptionsByHour(pool, t0 + hour)).reduce((a, b) => a + b, 0)).toBe(await store.countInterruptions(pool, t0 + hour));
      expect(await store.interruptionsByHour('us-west-2a:m5.large', t0)).toEqual(Array(24).fill(0));
    });

    it("answers the spec's failover performance query over every event, or over one signal type", async () => {
      expect(await store.failoverStats(t0)).toEqual({ avgResponseSec: null, fastestSec: null, slowestSec: null, successful: 0, totalEvents: 0 });
      for (const [id, ms, ok] of [['s1', 10_000, true], ['s2', 14_000, true], ['s3', 60_000, false]] as const) {
        await store.recordSignal(newSignalEvent(id));
        await store.completeSignal(id, done(ms, ok));
      }
      await store.recordSignal(newSignalEvent('running'));
      await store.recordSignal(newSignalEvent('rb', { signalType: 'rebalance-recommendation' }));
      await store.completeSignal('rb', done(5));
      await store.recordSignal(newSignalEvent('old', { detectedAt: t0 - 1 }));
      await store.completeSignal('old', done(1, false));
      const stats = await store.failoverStats(t0, { signalType: 'termination-notice' });
      expect(stats.successful).toBe(2);
      expect(stats.totalEvents).toBe(4);
      expect(stats.avgResponseSec).toBeCloseTo(28, 9);
      expect(stats.fastestSec).toBe(10);
      expect(stats.slowestSec).toBe(60);
      // The spec's query counts every event: the rebalance recommendation (5 ms) too, nothing before `since`.
      const every = await store.failoverStats(t0);
      expect(every.successful).toBe(3);
      expect(every.totalEvents).toBe(5);
      expect(every.avgResponseSec).toBeCloseTo(84.005 / 4, 9);
      expect(every.fastestSec).toBe(0.005);
      expect(every.slowestSec).toBe(60);
      expect(await store.failoverStats(t0, { signalType: 'rebalance-recommendation' })).toEqual({ avgResponseSec: 0.005, fastestSec: 0.005, slowestSec: 0.005, successful: 1, totalEvents: 1 });
    });
  });
  runEventStoreLogContract(options);
}
