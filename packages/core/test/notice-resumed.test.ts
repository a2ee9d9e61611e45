import { describe, expect, it } from 'vitest';
import { noticeId, stepToken } from '../src/failover/ids.js';
import { realisticLatencies } from '../src/sim/cloud.js';
import { createHarness, T0 } from './replica-harness.js';

describe('durable and resumable notices', () => {
  it('a notice whose process died after its snapshot is resumed by another instance from the next step, within the deadline', async () => {
    const h = createHarness({ instances: 2, latencies: realisticLatencies });
    await h.agent('a1');
    const id = noticeId('a1', 'i-a1', 'termination-notice', T0);
    // What sef-1 left behind: the notice recorded, the path decided, the snapshot taken, the pool choice running when it died.
    const snapshot = await h.settle(h.cloud.compute.snapshot('i-a1', { idempotencyToken: stepToken(id, 'snapshot') }));
    const died = h.clock.now();
    await h.storage.events.recordSignal({
      id, agentId: 'a1', instanceId: 'i-a1', poolId: 'us-east-1a:c5.large', signalType: 'termination-notice', instanceRole: 'primary',
      detectedAt: T0, noticeTime: T0, actionTime: T0 + 120_000, deadline: T0 + 120_000, responseTimeMs: null, success: null, outcome: null,
      steps: [
        { name: 'decide_path', startedAt: T0, finishedAt: T0, ok: true, result: { path: 'emergency', reason: 'no replica' } },
        { name: 'snapshot', startedAt: T0, finishedAt: died, ok: true, result: snapshot },
        { name: 'choose_pool', startedAt: died, finishedAt: null, ok: null },
      ],
    });
    const snapshotsBefore = h.cloud.calls.filter((c) => c.method === 'snapshot').length;
    await h.sefs[1]!.resumeNotices();
    await h.settle(h.sefs[1]!.idle());
    const ended = (await h.storage.events.getSignal(id))!;
    expect(ended).toMatchObject({ success: true, outcome: 'emergency_recovery' });
    expect(T0 + ended.responseTimeMs!).toBeLessThanOrEqual(T0 + 120_000);
    // Not snapshotted again; the abandoned step is on the record as such, then run again.
    expect(h.cloud.calls.filter((c) => c.method === 'snapshot').length).toBe(snapshotsBefore);
    expect(ended.steps.map((s) => `${s.name}:${s.ok}`)).toEqual([
      'decide_path:true', 'snapshot:true', 'choose_pool:false', 'choose_pool:true', 'launch:true', 'restore:true', 'promote:true', 'reroute:true', 'mark_old_terminated:true',
    ]);
    expect(h.cloud.compute.restoredFrom((await h.storage.agents.get('a1'))!.primaryInstanceId)).toEqual(snapshot.snapshotIds);
  });

  it('an open notice past its deadline with nobody on it is ended as failed with its reason and an alert (none stays open)', async () => {
    const h = createHarness({ instances: 2 });
    await h.agent('a1');
    const id = noticeId('a1', 'i-a1', 'termination-notice', T0);
    await h.storage.events.recordSignal({
      id, agentId: 'a1', instanceId: 'i-a1', poolId: 'us-east-1a:c5.large', signalType: 'termination-notice', instanceRole: 'primary',
      detectedAt: T0, noticeTime: T0, actionTime: T0 + 120_000, deadline: T0 + 120_000, responseTimeMs: null, success: null, outcome: null,
      steps: [{ name: 'decide_path', startedAt: T0, finishedAt: null, ok: null }],
    });
    await h.clock.advance(130_000);
    await h.sefs[0]!.resumeNotices();
    await h.settle(h.sefs[0]!.idle());
    expect(await h.storage.events.listOpenSignals()).toEqual([]);
    const ended = (await h.storage.events.getSignal(id))!;
    expect(ended).toMatchObject({ success: false, outcome: 'failed' });
    expect(ended.steps[0]).toMatchObject({ ok: false });
    expect(h.of('alert').map((a) => a.kind)).toEqual(['failed_failover']);
  });

});

describe('a failover whose holder died', () => {
  it('is resumed by a surviving process within the lease TTL (15 s) plus one sweep (5 s), and ends before its deadline', async () => {
    const h = createHarness({ instances: 2, latencies: realisticLatencies });
    await h.agent('a1');
    const { notice } = await h.settle(h.sefs[0]!.acceptSignal(h.cloud.signals.notice('i-a1', 'termination-notice')));
    // sef-1 dies 10 s into the emergency recovery (its relaunch is booting).
    await h.clock.advance(10_000);
    const crashedAt = h.clock.now();
    h.crash(0);
    const survivor = h.sefs[1]!;
    let resumedAt: number | undefined;
    while ((await h.storage.events.getSignal(notice.id))?.success === null) {
      await survivor.resumeNotices(); // what its sweep does every SEF_SWEEP_INTERVAL_MS (5 s)
      await h.settle(h.clock.advance(5_000));
      const steps = (await h.storage.events.getSignal(notice.id))!.steps;
      resumedAt ??= steps.find((s) => s.startedAt > crashedAt)?.startedAt;
    }
    const ended = (await h.storage.events.getSignal(notice.id))!;
    expect(ended).toMatchObject({ success: true, outcome: 'emergency_recovery' });
    expect(resumedAt! - crashedAt).toBeLessThanOrEqual(15_000 + 5_000);
    expect(ended.detectedAt + ended.responseTimeMs!).toBeLessThanOrEqual(ended.deadline);
    // The figures on the simulated cloud's EC2-like latencies: resumed 15.5 s after the crash, served 45.4 s after detection.
    expect([resumedAt! - crashedAt, ended.responseTimeMs]).toEqual([15_500, 45_400]);
  });
});

describe('a rebalance whose holder died mid-launch', () => {
  it('is resumed as the same rebalance (replica_started, its own launch linked), not ended as replica_exists; one instance launched', async () => {
    const config = { riskWeights: { interruptionHistory: 0.4, instanceAge: 0.6, priceVolatility: 0 } };
    const h = createHarness({ instances: 2, latencies: realisticLatencies, config });
    await h.agent('a1', { modes: { autoSwitch: true }, launchedAt: T0 - 8 * 86_400_000 });
    const { notice } = await h.settle(h.sefs[0]!.acceptSignal(h.cloud.signals.notice('i-a1', 'rebalance-recommendation')));
    while (!(await h.storage.events.getSignal(notice.id))!.steps.some((s) => s.name === 'launch_replica')) await h.clock.advance(100);
    h.crash(0); // mid-launch: the cloud accepts the launch, the process never records it
    while ((await h.storage.events.getSignal(notice.id))?.success === null) {
      await h.sefs[1]!.resumeNotices();
      await h.settle(h.clock.advance(5_000));
    }
    await h.settle(h.sefs[1]!.idle());
    expect(await h.storage.events.getSignal(notice.id)).toMatchObject({ success: true, outcome: 'replica_started' });
    const { replica, agent } = await h.sefs[1]!.status('a1');
    const live = h.cloud.compute.instances().filter((i) => i.state !== 'terminated').map((i) => i.instanceId).sort();
    expect(live).toEqual([agent.primaryInstanceId, replica!.instanceId!].sort());
    expect(replica).toMatchObject({ causeId: notice.id, status: 'syncing' });
  });
});
