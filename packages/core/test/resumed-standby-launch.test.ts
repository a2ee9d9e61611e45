import { describe, expect, it } from 'vitest';
import type { InstanceInfo } from '../src/ports/compute-provider.js';
import { realisticLatencies } from '../src/sim/cloud.js';
import { crashAfterLaunch, createHarness, T0, type Harness } from './replica-harness.js';

const DAY = 86_400_000;
const STUCK_MS = 900_000;

// Issue 13: after a failover in auto mode the notice's run starts the next standby. A process that dies
// right after that launch goes through, before it records the instance, left a standby record `launching`
// without an instance, which the resumed run took for an existing standby: the instance ran on, neither
// primary nor standby, and the agent had a standby that never booted (found by replica-model.test.ts,
// seed -1159787338: Auto(autoSwitch=true), then a crash 46.1 s into a termination notice's failover).
async function failoverDiesAtNextStandby(): Promise<{ h: Harness; noticeId: string; lost: InstanceInfo }> {
  let h: Harness | undefined;
  let lost: InstanceInfo | undefined;
  h = createHarness({
    instances: 2,
    latencies: realisticLatencies,
    wrap: (i, deps) => {
      if (i !== 0) return deps;
      const dying = crashAfterLaunch(deps, () => h!.crash(0), { launched: (_, info) => void (lost = info) });
      // Only the standby's launch kills the process; the emergency relaunch before it goes through as usual.
      return { ...deps, compute: { ...deps.compute, launch: (request, options) => (request.role === 'replica' ? dying.compute : deps.compute).launch(request, options) } };
    },
  });
  await h.agent('a1', { launchedAt: T0 - 8 * DAY, modes: { autoSwitch: true } });
  const { notice } = await h.settle(h.sefs[0]!.acceptSignal(h.cloud.signals.notice('i-a1', 'termination-notice')));
  while (lost === undefined) await h.clock.advance(100);
  const record = (await h.sefs[1]!.status('a1')).replica;
  expect(record).toMatchObject({ status: 'launching', instanceId: null, causeId: `${notice.id}:next` });
  return { h, noticeId: notice.id, lost };
}

const live = (h: Harness) => h.cloud.compute.instances().filter((i) => i.state !== 'terminated').map((i) => i.instanceId);

describe('a standby launch whose process died before recording it', () => {
  it('is carried on by the resumed notice: the instance launched is recorded as the standby, with one launch token', async () => {
    const { h, noticeId, lost } = await failoverDiesAtNextStandby();
    while ((await h.storage.events.getSignal(noticeId))?.success === null) {
      await h.sefs[1]!.resumeNotices();
      await h.settle(h.clock.advance(5_000));
    }
    await h.settle(h.cloud.compute.terminate('i-a1')); // AWS ends the old primary after its notice
    await h.settle(Promise.all(h.sefs.map((s) => s.idle())));
    const { agent, replica } = await h.sefs[1]!.status('a1');
    expect(replica).toMatchObject({ instanceId: lost.instanceId, status: 'syncing', causeId: `${noticeId}:next` });
    expect(agent.replicaInstanceId).toBe(lost.instanceId);
    expect(live(h).sort()).toEqual([agent.primaryInstanceId, lost.instanceId].sort());
    // Both launches of the standby, the dead one's and the resumed one's, carried the cause's one token.
    const tokens = h.cloud.calls.filter((c) => c.method === 'launch' && c.token?.startsWith(`${noticeId}:next`)).map((c) => c.token);
    expect(tokens).toEqual([`${noticeId}:next:launch`, `${noticeId}:next:launch`]);
  });

  it('a record left launching without an instance past 15 minutes is failed by the sweep, and the reconciliation ends the instance', async () => {
    const { h, noticeId, lost } = await failoverDiesAtNextStandby();
    // Nobody resumes the notice (every process that could is gone); the sweep settles what is left.
    await h.storage.events.completeSignal(noticeId, { responseTimeMs: 60_000, success: false, outcome: 'failed', steps: [] });
    await h.settle(h.sefs[1]!.sweep());
    expect((await h.sefs[1]!.status('a1')).replica).toMatchObject({ status: 'launching', instanceId: null });
    await h.clock.advance(STUCK_MS);
    await h.settle(h.sefs[1]!.sweep());
    const records = (await h.sefs[1]!.status('a1')).replicas.filter((r) => r.causeId === `${noticeId}:next`);
    expect(records).toEqual([expect.objectContaining({ status: 'failed', instanceId: null })]);
    expect((await h.sefs[1]!.status('a1')).replica).toBeNull();
    const { decisions } = await h.settle(h.sefs[1]!.reconcile());
    expect(decisions).toEqual([expect.objectContaining({ instanceId: lost.instanceId, reason: 'no_record', outcome: 'terminated' })]);
    expect(live(h)).not.toContain(lost.instanceId);
  });

  it('a stuck replica whose provider hangs on describe does not hold the sweep: it ends, and the next sweep asks again', async () => {
    const { h, noticeId } = await failoverDiesAtNextStandby();
    while ((await h.storage.events.getSignal(noticeId))?.success === null) {
      await h.sefs[1]!.resumeNotices();
      await h.settle(h.clock.advance(5_000));
    }
    // The boot watcher dies too, leaving the standby `launching` with its instance.
    h.crash(1);
    await h.settle(h.sefs[0]!.idle());
    const before = (await h.sefs[0]!.status('a1')).replica!;
    expect(before).toMatchObject({ status: 'launching' });
    expect(before.instanceId).not.toBeNull();
    h.cloud.faults.hang('describe');
    await h.clock.advance(STUCK_MS);
    const errors = h.events.filter((e) => e.name === 'error').length;
    await h.settle(h.sefs[0]!.sweep(), 1_000, 600_000);
    expect(h.events.filter((e) => e.name === 'error').length).toBe(errors + 1);
    expect((await h.sefs[0]!.status('a1')).replica).toMatchObject({ id: before.id, status: 'launching' });
    h.cloud.faults.clear();
    await h.settle(h.sefs[0]!.sweep());
    expect((await h.sefs[0]!.status('a1')).replica).toMatchObject({ id: before.id, status: 'syncing' });
  });
});
