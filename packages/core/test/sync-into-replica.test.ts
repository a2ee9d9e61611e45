import { describe, expect, it } from 'vitest';
import { noticeId, stepToken } from '../src/failover/ids.js';
import { realisticLatencies, type SimLatencies } from '../src/sim/cloud.js';
import { createHarness, T0, type Harness } from './replica-harness.js';

const DAY = 86_400_000;
const config = { riskWeights: { interruptionHistory: 0.4, instanceAge: 0.6, priceVolatility: 0 } };
/** A restore into a running instance that takes longer than a 2-minute notice leaves. */
const slowRestore: Partial<SimLatencies> = { ...realisticLatencies, restoreInto: 200_000 };

/** An agent in auto mode whose auto replica runs but has not reported ready (`syncing`). */
async function withSyncingReplica(h: Harness) {
  await h.agent('a1', { modes: { autoSwitch: true }, launchedAt: T0 - 8 * DAY });
  await h.settle(h.sef.handleSignal(h.cloud.signals.notice('i-a1', 'rebalance-recommendation')));
  await h.settle(h.sef.idle());
  const replica = (await h.sef.status('a1')).replica!;
  expect(replica.status).toBe('syncing');
  return replica;
}

const launches = (h: Harness, since: number) => h.cloud.calls.slice(since).filter((c) => c.method === 'launch').length;
const live = (h: Harness) => h.cloud.compute.instances().filter((i) => i.state !== 'terminated').map((i) => i.instanceId).sort();

describe('a syncing replica as the target of an emergency recovery', () => {
  it('snapshot, restore into the replica, reroute, promote: no relaunch, one launch fewer than with a restore too slow for the deadline', async () => {
    const fast = createHarness({ config, latencies: realisticLatencies });
    const replica = await withSyncingReplica(fast);
    const before = fast.cloud.calls.length;
    const { event } = await fast.settle(fast.sef.handleSignal(fast.cloud.signals.notice('i-a1', 'termination-notice')));
    expect(event).toMatchObject({ success: true, outcome: 'synced_into_replica' });
    expect(event.steps.slice(0, 6).map((s) => `${s.name}:${s.ok}`)).toEqual([
      'decide_path:true', 'snapshot:true', 'restore_into_replica:true', 'reroute:true', 'promote:true', 'mark_old_terminated:true',
    ]);
    // Snapshot 1.5 s + restore into the running replica 15 s + reroute 2 s, where a relaunch waits for a boot (40 s).
    expect(event.responseTimeMs).toBe(18_500);
    const status = await fast.sef.status('a1');
    expect(status.agent).toMatchObject({ primaryInstanceId: replica.instanceId, poolId: replica.poolId });
    expect((await fast.storage.replicas.get(replica.id))).toMatchObject({ status: 'promoted' });
    expect(await fast.settle(fast.cloud.router.current('a1'))).toBe(replica.instanceId);
    const snapshot = event.steps.find((s) => s.name === 'snapshot')!.result as { snapshotIds: string[] };
    expect(fast.cloud.compute.restoredFrom(replica.instanceId!)).toEqual(snapshot.snapshotIds);
    // The only launch is auto mode's next standby.
    expect(launches(fast, before)).toBe(1);

    const slow = createHarness({ config, latencies: slowRestore });
    await withSyncingReplica(slow);
    const slowBefore = slow.cloud.calls.length;
    await slow.settle(slow.sef.handleSignal(slow.cloud.signals.notice('i-a1', 'termination-notice')));
    expect(launches(slow, slowBefore)).toBe(launches(fast, before) + 1);
  });

  it('a restore not expected to end by the deadline relaunches as before, then ends the syncing replica: nothing leaks', async () => {
    const h = createHarness({ config, latencies: slowRestore });
    const replica = await withSyncingReplica(h);
    const { event } = await h.settle(h.sef.handleSignal(h.cloud.signals.notice('i-a1', 'termination-notice')));
    expect(event).toMatchObject({ success: true, outcome: 'emergency_recovery' });
    expect(event.steps[0]!.detail).toMatch(/syncing: a restore into it is expected to take 203500 ms, 120000 ms left/);
    expect(event.steps.filter((s) => s.ok).map((s) => s.name).slice(0, 9)).toEqual([
      'decide_path', 'snapshot', 'choose_pool', 'launch', 'restore', 'promote', 'reroute', 'mark_old_terminated', 'retire_replica',
    ]);
    expect(h.cloud.calls.filter((c) => c.method === 'restoreInto')).toEqual([]);
    expect(await h.storage.replicas.get(replica.id)).toMatchObject({ status: 'terminated' });
    expect(h.of('replica.terminated').map((e) => [e.replica.id, e.reason])).toEqual([[replica.id, 'left_behind_by_emergency']]);
    await h.settle(h.cloud.compute.terminate('i-a1')); // AWS ends the old primary
    await h.settle(h.sef.idle());
    const { agent, replica: next } = await h.sef.status('a1');
    expect(next?.id).not.toBe(replica.id);
    expect(live(h)).toEqual([agent.primaryInstanceId, next!.instanceId!].sort());
  });

  it('a process that died after restoring into the replica is resumed by another from the reroute: no second restore, no launch', async () => {
    const h = createHarness({ config, instances: 2, latencies: realisticLatencies });
    const replica = await withSyncingReplica(h);
    const at = h.clock.now();
    const id = noticeId('a1', 'i-a1', 'termination-notice', at);
    // What sef-1 did before it died: the path decided, the snapshot taken and restored into the replica.
    const snapshot = await h.settle(h.cloud.compute.snapshot('i-a1', { idempotencyToken: stepToken(id, 'snapshot') }));
    await h.settle(h.cloud.compute.restoreInto(replica.instanceId!, snapshot.snapshotIds, { idempotencyToken: stepToken(id, 'restore_into') }));
    const died = h.clock.now();
    await h.storage.events.recordSignal({
      id, agentId: 'a1', instanceId: 'i-a1', poolId: 'us-east-1a:c5.large', signalType: 'termination-notice', instanceRole: 'primary',
      detectedAt: at, noticeTime: at, actionTime: at + 120_000, deadline: at + 120_000, responseTimeMs: null, success: null, outcome: null,
      steps: [
        { name: 'decide_path', startedAt: at, finishedAt: at, ok: true, result: { path: 'sync_into_replica', replicaId: replica.id, instanceId: replica.instanceId } },
        { name: 'snapshot', startedAt: at, finishedAt: at, ok: true, result: snapshot },
        { name: 'restore_into_replica', startedAt: at, finishedAt: died, ok: true },
        { name: 'reroute', startedAt: died, finishedAt: null, ok: null },
      ],
    });
    const before = h.cloud.calls.length;
    await h.sefs[1]!.resumeNotices();
    await h.settle(h.sefs[1]!.idle());
    const ended = (await h.storage.events.getSignal(id))!;
    expect(ended).toMatchObject({ success: true, outcome: 'synced_into_replica' });
    expect(ended.detectedAt + ended.responseTimeMs!).toBeLessThanOrEqual(ended.deadline);
    expect(ended.steps.map((s) => `${s.name}:${s.ok}`).slice(0, 7)).toEqual([
      'decide_path:true', 'snapshot:true', 'restore_into_replica:true', 'reroute:false', 'reroute:true', 'promote:true', 'mark_old_terminated:true',
    ]);
    const after = h.cloud.calls.slice(before);
    expect(after.filter((c) => c.method === 'snapshot' || c.method === 'restoreInto')).toEqual([]);
    // No relaunch: the one launch is auto mode's next standby.
    expect(after.filter((c) => c.method === 'launch')).toHaveLength(1);
    expect((await h.sef.status('a1')).agent.primaryInstanceId).toBe(replica.instanceId);
  });
});
