import { describe, expect, it } from 'vitest';
import type { InstanceInfo } from '../src/ports/compute-provider.js';
import { realisticLatencies } from '../src/sim/cloud.js';
import { crashAfterLaunch, createHarness, type Harness } from './replica-harness.js';

// Issue 13: a notice's run launches its instance and dies before it records it. The instance is then
// unmatched (an orphan once older than orphanMinAge), but the notice is still open: a surviving process
// resumes it, launches again with the notice's launch token and gets that very instance back. The sweep
// must leave it to that run while the notice is open and within its deadline, and judge it once it is not.
const MIN_AGE_S = 10;

async function launchedThenDied(): Promise<{ h: Harness; noticeId: string; lost: InstanceInfo }> {
  let h: Harness | undefined;
  const launched: InstanceInfo[] = [];
  h = createHarness({
    instances: 2,
    latencies: realisticLatencies,
    config: { orphanMinAge: MIN_AGE_S },
    wrap: (i, deps) => (i !== 0 ? deps : crashAfterLaunch(deps, () => h!.crash(0), { launched: (_, info) => launched.push(info) })),
  });
  await h.agent('a1');
  const { notice } = await h.settle(h.sefs[0]!.acceptSignal(h.cloud.signals.notice('i-a1', 'termination-notice')));
  while (launched.length === 0) await h.clock.advance(100);
  const lost = launched[0]!;
  expect(await h.storage.replicas.findByInstance(lost.instanceId)).toBeUndefined();
  // Past orphanMinAge (and past the dead holder's lease), the notice still open.
  await h.clock.advance(MIN_AGE_S * 1000 + 15_000);
  expect((await h.storage.events.getSignal(notice.id))!.success).toBeNull();
  return { h, noticeId: notice.id, lost };
}

const state = (h: Harness, instanceId: string) => h.cloud.compute.instance(instanceId)!.state;

describe('reconciliation sweep and a notice still open', () => {
  it('spares an unrecorded instance launched for an open notice; the resumed run promotes that same instance (one launch)', async () => {
    const { h, noticeId, lost } = await launchedThenDied();
    const first = await h.settle(h.sefs[1]!.reconcile());
    expect(first.decisions).toEqual([expect.objectContaining({ instanceId: lost.instanceId, agentId: 'a1', reason: 'no_record', outcome: 'spared', attempts: 0, noticeId })]);
    expect(state(h, lost.instanceId)).not.toBe('terminated');
    expect(h.of('instance.orphaned')).toEqual(first.decisions);
    expect((await h.storage.events.systemEvents({ since: 0, typePrefix: 'reconcile.' })).map((e) => [e.eventType, e.payload['instanceId']])).toEqual([['reconcile.spared', lost.instanceId]]);

    // The survivor resumes the notice while its sweep keeps running.
    while ((await h.storage.events.getSignal(noticeId))?.success === null) {
      await h.sefs[1]!.resumeNotices();
      await h.settle(h.clock.advance(5_000));
      const { decisions } = await h.settle(h.sefs[1]!.reconcile());
      expect(decisions.filter((d) => d.outcome !== 'spared')).toEqual([]);
    }
    await h.settle(h.sefs[1]!.idle());
    expect(await h.storage.events.getSignal(noticeId)).toMatchObject({ success: true, outcome: 'emergency_recovery' });
    expect((await h.storage.agents.get('a1'))!.primaryInstanceId).toBe(lost.instanceId);
    expect(h.cloud.compute.instances().filter((i) => i.instanceId !== 'i-a1').map((i) => i.instanceId)).toEqual([lost.instanceId]);
    expect(state(h, lost.instanceId)).toBe('running');
    // Ended: judged as before, and now the notice recorded it (the primary), nothing to decide.
    expect((await h.settle(h.sefs[1]!.reconcile())).decisions).toEqual([]);
  });

  it('once the notice has ended (failed), the unrecorded instances it launched are orphans and are terminated', async () => {
    const { h, noticeId, lost } = await launchedThenDied();
    // A launch of a cause derived from the notice (its next standby) is the notice's too; a look-alike cause is not.
    const launch = (causeId: string) => h.settle(h.cloud.compute.launch({ agentId: 'a1', poolId: lost.poolId, role: 'replica', market: 'spot', causeId }));
    const next = await launch(`${noticeId}:next`);
    const other = await launch(`${noticeId}x:next`);
    await h.clock.advance(MIN_AGE_S * 1000);
    const open = await h.settle(h.sefs[1]!.reconcile());
    expect(open.decisions.map((d) => [d.instanceId, d.outcome, d.noticeId])).toEqual([
      [lost.instanceId, 'spared', noticeId],
      [next.instanceId, 'spared', noticeId],
      [other.instanceId, 'terminated', undefined],
    ]);
    await h.storage.events.completeSignal(noticeId, { responseTimeMs: 30_000, success: false, outcome: 'failed', steps: [] });
    const { decisions } = await h.settle(h.sefs[1]!.reconcile());
    expect(decisions).toEqual([lost, next].map((i) => expect.objectContaining({ instanceId: i.instanceId, reason: 'no_record', replicaId: null, outcome: 'terminated' })));
    expect(decisions[0]).not.toHaveProperty('noticeId');
    expect([lost, next, other].map((i) => state(h, i.instanceId))).toEqual(['terminated', 'terminated', 'terminated']);
  });

  it('a notice left open past its deadline spares nothing: the unrecorded instance is terminated', async () => {
    const { h, noticeId, lost } = await launchedThenDied();
    const notice = (await h.storage.events.getSignal(noticeId))!;
    await h.clock.advance(notice.deadline - h.clock.now() + 1);
    expect((await h.storage.events.getSignal(noticeId))!.success).toBeNull();
    const { decisions } = await h.settle(h.sefs[1]!.reconcile());
    expect(decisions).toEqual([expect.objectContaining({ instanceId: lost.instanceId, reason: 'no_record', outcome: 'terminated' })]);
    expect(state(h, lost.instanceId)).toBe('terminated');
  });
});
