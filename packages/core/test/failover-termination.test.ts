import { describe, expect, it } from 'vitest';
import { realisticLatencies } from '../src/sim/cloud.js';
import { createHarness, T0, type Harness } from './replica-harness.js';

const DAY = 86_400_000;
const config = { riskWeights: { interruptionHistory: 0.4, instanceAge: 0.6, priceVolatility: 0 } };

/** An agent in auto mode with a ready auto replica. */
async function withReadyReplica(h: Harness, id = 'a1') {
  await h.agent(id, { modes: { autoSwitch: true }, launchedAt: T0 - 8 * DAY });
  await h.settle(h.sef.handleSignal(h.cloud.signals.notice(`i-${id}`, 'rebalance-recommendation')));
  await h.settle(h.sef.idle());
  const replica = (await h.sef.status(id)).replica!;
  return h.sef.replicaHeartbeat(id, replica.instanceId!, 'ready');
}

describe('termination notice', () => {
  it('with a ready replica: promote, reroute, mark the old primary terminated, and in auto mode start the next replica', async () => {
    const h = createHarness({ config, latencies: realisticLatencies });
    const replica = await withReadyReplica(h);
    const notice = h.cloud.signals.notice('i-a1', 'termination-notice');
    const { handled, event } = await h.settle(h.sef.handleSignal(notice));
    expect(handled).toBe(true);
    expect(event).toMatchObject({ success: true, outcome: 'promoted', actionTime: notice.actionTime, detectedAt: notice.noticeTime });
    expect(event.steps.map((s) => s.name).slice(0, 4)).toEqual(['decide_path', 'promote', 'reroute', 'mark_old_terminated']);
    // Promotion is a store write plus one Elastic IP move (2 s simulated).
    expect(event.responseTimeMs).toBe(2_000);
    const status = await h.sef.status('a1');
    expect(status.agent).toMatchObject({ primaryInstanceId: replica.instanceId, poolId: replica.poolId });
    expect(await h.settle(h.cloud.router.current('a1'))).toBe(replica.instanceId);
    expect((await h.storage.replicas.get(replica.id))?.status).toBe('promoted');
    expect(status.replica).toMatchObject({ replicaType: 'auto', status: 'launching' });
    expect(status.agent.replicaInstanceId).toBe(status.replica?.instanceId);
    expect(h.of('failover.completed')).toHaveLength(1);
    expect((await h.storage.events.systemEvents({ since: T0, typePrefix: 'instance.terminated' }))[0]?.payload).toMatchObject({ instanceId: 'i-a1' });
  });

  it('without a replica: emergency snapshot, launch from it, restore, reroute, inside the 2-minute window', async () => {
    const h = createHarness({ config, latencies: realisticLatencies });
    await h.agent('a1', { launchedAt: T0 - DAY });
    const { event } = await h.settle(h.sef.handleSignal(h.cloud.signals.notice('i-a1', 'termination-notice')));
    expect(event).toMatchObject({ success: true, outcome: 'emergency_recovery' });
    expect(event.steps.filter((s) => s.ok).map((s) => s.name)).toEqual(['decide_path', 'snapshot', 'choose_pool', 'launch', 'restore', 'promote', 'reroute', 'mark_old_terminated']);
    expect(event.responseTimeMs!).toBeGreaterThan(40_000);
    expect(event.responseTimeMs!).toBeLessThan(120_000);
    const agent = (await h.sef.status('a1')).agent;
    expect(agent.primaryInstanceId).not.toBe('i-a1');
    expect(h.cloud.compute.restoredFrom(agent.primaryInstanceId)).toHaveLength(1);
    const [record] = (await h.sef.status('a1')).replicas;
    expect(record).toMatchObject({ replicaType: 'emergency', status: 'promoted', instanceId: agent.primaryInstanceId });
    expect(await h.settle(h.cloud.router.current('a1'))).toBe(agent.primaryInstanceId);
    const stats = await h.storage.events.failoverStats(T0);
    expect(stats).toMatchObject({ successful: 1, totalEvents: 1 });
  });

  it('the same notice delivered twice gives one promotion', async () => {
    const h = createHarness({ config });
    await withReadyReplica(h);
    const notice = h.cloud.signals.notice('i-a1', 'termination-notice');
    const first = await h.settle(h.sef.handleSignal(notice));
    const second = await h.settle(h.sef.handleSignal({ ...notice, source: 'eventbridge' }));
    expect([first.handled, second.handled]).toEqual([true, false]);
    expect(second.event).toEqual(first.event);
    expect(h.of('replica.promoted')).toHaveLength(1);
  });

  it('the same notice at two SEF instances sharing the stores at once gives one relaunch', async () => {
    const h = createHarness({ config, instances: 2, latencies: realisticLatencies });
    await h.agent('a1');
    const notice = h.cloud.signals.notice('i-a1', 'termination-notice');
    const results = await h.settle(Promise.all(h.sefs.map((s) => s.handleSignal(notice))));
    expect(results.filter((r) => r.handled)).toHaveLength(1);
    expect(h.cloud.calls.filter((c) => c.method === 'snapshot')).toHaveLength(1);
    expect(h.cloud.calls.filter((c) => c.method === 'launch')).toHaveLength(1);
    expect((await h.sef.status('a1')).replicas).toHaveLength(1);
  });

  it('a rebalance and a termination notice arriving together: both recorded, the agent ends with one primary that serves', async () => {
    const h = createHarness({ config, instances: 2, latencies: realisticLatencies });
    await h.agent('a1', { modes: { autoSwitch: true }, launchedAt: T0 - 8 * DAY });
    const rb = h.cloud.signals.notice('i-a1', 'rebalance-recommendation');
    const tn = h.cloud.signals.notice('i-a1', 'termination-notice');
    const [a, b] = await h.settle(Promise.all([h.sefs[0]!.handleSignal(rb), h.sefs[1]!.handleSignal(tn)]));
    expect(a.event.success).not.toBeNull();
    expect(b.event).toMatchObject({ success: true });
    const agent = (await h.sef.status('a1')).agent;
    expect(agent.primaryInstanceId).not.toBe('i-a1');
    expect(await h.settle(h.cloud.router.current('a1'))).toBe(agent.primaryInstanceId);
  });

  it('a termination notice for the replica ends the replica; the primary stays', async () => {
    const h = createHarness({ config });
    const replica = await withReadyReplica(h);
    const { event } = await h.settle(h.sef.handleSignal(h.cloud.signals.notice(replica.instanceId!, 'termination-notice')));
    expect(event).toMatchObject({ outcome: 'replica_interrupted', success: true, poolId: replica.poolId });
    const status = await h.sef.status('a1');
    expect(status.agent.primaryInstanceId).toBe('i-a1');
    expect(status.replica).toBeNull();
    expect(h.of('replica.terminated').map((e) => e.reason)).toEqual(['interrupted']);
  });

  it('a provider that refuses every launch fails the failover: recorded as failed, failover.failed and an alert', async () => {
    const h = createHarness({ config });
    await h.agent('a1');
    h.cloud.faults.failLaunches(100);
    const { event } = await h.settle(h.sef.handleSignal(h.cloud.signals.notice('i-a1', 'termination-notice')));
    expect(event).toMatchObject({ success: false, outcome: 'failed' });
    expect(event.steps.find((s) => !s.ok)?.name).toBe('launch');
    expect(h.of('failover.failed')).toHaveLength(1);
    expect(h.of('alert').map((a) => a.kind)).toEqual(['failed_failover']);
    expect((await h.sef.status('a1')).replicas[0]?.status).toBe('failed');
  });
});
