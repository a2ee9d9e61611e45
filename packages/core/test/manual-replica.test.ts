import { describe, expect, it } from 'vitest';
import { realisticLatencies } from '../src/sim/cloud.js';
import { createHarness, type Harness } from './replica-harness.js';

async function manualReady(h: Harness, id = 'a1') {
  const enabled = await h.settle(h.sef.enableManualReplica(id));
  await h.settle(h.sef.idle());
  return h.sef.replicaHeartbeat(id, enabled.replica!.instanceId!, 'ready');
}

describe('manual replica mode', () => {
  it('refuses manual mode while auto-switch or auto-terminate is on ("Auto mode active"), and auto while manual is on ("Manual mode active")', async () => {
    const h = createHarness();
    await h.agent('a1', { modes: { autoSwitch: true } });
    await h.agent('a2', { modes: { autoTerminate: true } });
    await expect(h.sef.enableManualReplica('a1')).rejects.toMatchObject({ code: 'CONFLICT', message: 'Auto mode active' });
    await expect(h.sef.enableManualReplica('a2')).rejects.toMatchObject({ code: 'CONFLICT', message: 'Auto mode active' });
    await h.agent('a3');
    await h.settle(h.sef.enableManualReplica('a3'));
    await expect(h.sef.setModes('a3', { autoSwitch: true })).rejects.toMatchObject({ message: 'Manual mode active' });
    await expect(h.sef.setModes('a3', { autoTerminate: true })).rejects.toMatchObject({ message: 'Manual mode active' });
    expect((await h.sef.status('a3')).agent.modes).toEqual({ autoSwitch: false, autoTerminate: false, manualReplica: true });
    expect((await h.sef.status('a1')).replicas).toEqual([]);
  });

  it('enabling creates a hot standby that goes launching → syncing → ready, and mode.changed is emitted', async () => {
    const h = createHarness({ latencies: realisticLatencies });
    await h.agent('a1');
    const result = await h.settle(h.sef.enableManualReplica('a1'));
    expect(result.replica).toMatchObject({ replicaType: 'manual', status: 'launching' });
    expect(h.of('mode.changed')).toEqual([{ agentId: 'a1', modes: { autoSwitch: false, autoTerminate: false, manualReplica: true }, previous: { autoSwitch: false, autoTerminate: false, manualReplica: false } }]);
    await h.settle(h.sef.idle());
    expect((await h.sef.status('a1')).replica?.status).toBe('syncing');
    const ready = await h.sef.replicaHeartbeat('a1', result.replica!.instanceId!, 'ready');
    expect(ready.status).toBe('ready');
    expect(h.of('replica.ready')).toHaveLength(1);
  });

  it('switch needs a ready replica (else a conflict, nothing changed)', async () => {
    const h = createHarness({ latencies: realisticLatencies });
    await h.agent('a1');
    await expect(h.sef.manualSwitch('a1')).rejects.toMatchObject({ code: 'CONFLICT', message: 'Manual mode is not active' });
    await h.settle(h.sef.enableManualReplica('a1'));
    await expect(h.settle(h.sef.manualSwitch('a1'))).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/not ready/) });
    expect((await h.sef.status('a1')).agent.primaryInstanceId).toBe('i-a1');
    // A refused switch never began: it is not in the history.
    expect(await h.storage.events.systemEvents({ since: 0, agentId: 'a1', typePrefix: 'manual.switch' })).toEqual([]);
  });

  it('switch: reroute, promote, terminate the old primary, launch the next replica at once; and again', async () => {
    const h = createHarness();
    await h.agent('a1');
    const first = await manualReady(h);
    const s1 = await h.settle(h.sef.manualSwitch('a1'));
    expect(s1.steps.map((s) => s.name)).toEqual(['reroute', 'promote', 'terminate_old_primary', 'choose_pool', 'launch_replica']);
    expect(s1.promoted).toMatchObject({ id: first.id, status: 'promoted' });
    const after = await h.sef.status('a1');
    expect(after.agent.primaryInstanceId).toBe(first.instanceId);
    expect(await h.cloud.router.current('a1')).toBe(first.instanceId);
    expect(h.cloud.compute.instances().find((i) => i.instanceId === 'i-a1')?.state).toBe('terminated');
    expect(after.replica?.replicaType).toBe('manual');
    expect(['launching', 'syncing']).toContain(after.replica?.status);
    await h.settle(h.sef.idle());
    await h.sef.replicaHeartbeat('a1', after.replica!.instanceId!, 'ready');
    const s2 = await h.settle(h.sef.manualSwitch('a1'));
    expect(s2.promoted?.id).toBe(after.replica!.id);
    expect((await h.sef.status('a1')).agent.primaryInstanceId).toBe(after.replica!.instanceId);
  });

  it('switch whose reroute fails changes nothing: the old primary still serves and stays primary, the replica stays ready', async () => {
    const h = createHarness();
    await h.agent('a1');
    const standby = await manualReady(h);
    h.cloud.faults.hang('route');
    await expect(h.settle(h.sef.manualSwitch('a1'))).rejects.toThrow();
    const status = await h.sef.status('a1');
    expect(status.agent.primaryInstanceId).toBe('i-a1');
    expect(status.replica).toMatchObject({ id: standby.id, status: 'ready' });
    expect(h.cloud.compute.instances().find((i) => i.instanceId === 'i-a1')?.state).not.toBe('terminated');
    h.cloud.faults.clear();
    const retry = await h.settle(h.sef.manualSwitch('a1'));
    expect(retry.promoted).toMatchObject({ id: standby.id, status: 'promoted' });
    expect(await h.cloud.router.current('a1')).toBe(standby.instanceId);
    // Both are in the history, newest first: the failed one with its error, the switch that worked.
    const history = await h.storage.events.systemEvents({ since: 0, agentId: 'a1', typePrefix: 'manual.switch' });
    expect(history.map((e) => e.payload)).toEqual([
      { from: 'i-a1', to: standby.instanceId, success: true, responseTimeMs: expect.any(Number) },
      { from: 'i-a1', to: standby.instanceId, success: false, error: expect.stringContaining('Error'), responseTimeMs: expect.any(Number) },
    ]);
    expect(history[1]!.payload['responseTimeMs']).toBeGreaterThan(0);
  });

  it('disabling terminates the manual replica and stops creating them; auto mode may then be enabled', async () => {
    const h = createHarness();
    await h.agent('a1');
    const r = await manualReady(h);
    await h.settle(h.sef.disableManualReplica('a1'));
    const status = await h.sef.status('a1');
    expect(status.replica).toBeNull();
    expect(status.agent.replicaInstanceId).toBeNull();
    expect((await h.storage.replicas.get(r.id))?.status).toBe('terminated');
    expect(h.cloud.compute.instances().find((i) => i.instanceId === r.instanceId)?.state).toBe('terminated');
    await h.settle(h.sef.sweep());
    expect((await h.sef.status('a1')).replica).toBeNull();
    await h.sef.setModes('a1', { autoSwitch: true, autoTerminate: true });
    expect((await h.sef.status('a1')).agent.modes).toEqual({ autoSwitch: true, autoTerminate: true, manualReplica: false });
  });

  it('disabling while the provider refuses the terminate leaves the standby for now; the next sweep terminates it', async () => {
    const h = createHarness();
    await h.agent('a1');
    const r = await manualReady(h);
    h.cloud.faults.failTerminates(4);
    await expect(h.settle(h.sef.disableManualReplica('a1'))).rejects.toMatchObject({ code: 'PROVIDER' });
    expect((await h.sef.status('a1')).replica).toMatchObject({ id: r.id, status: 'ready' });
    // A sweep while manual mode is back on keeps the standby: it is wanted again.
    await h.sef.setModes('a1', { manualReplica: true });
    expect((await h.settle(h.sef.sweep())).terminatedManualOff).toBe(0);
    h.cloud.faults.failTerminates(4);
    await expect(h.settle(h.sef.disableManualReplica('a1'))).rejects.toMatchObject({ code: 'PROVIDER' });
    const swept = await h.settle(h.sef.sweep());
    expect(swept).toMatchObject({ terminatedManualOff: 1, replicasStarted: 0 });
    expect((await h.storage.replicas.get(r.id))?.status).toBe('terminated');
    expect(h.cloud.compute.instance(r.instanceId!)?.state).toBe('terminated');
    expect((await h.sef.status('a1')).agent.replicaInstanceId).toBeNull();
    expect(h.of('replica.terminated').map((e) => [e.replica.id, e.reason])).toEqual([[r.id, 'manual_disabled']]);
    expect((await h.settle(h.sef.sweep())).terminatedManualOff).toBe(0);
  });

  it('a termination notice in manual mode promotes the manual replica and starts the next manual one', async () => {
    const h = createHarness();
    await h.agent('a1');
    const r = await manualReady(h);
    const { event } = await h.settle(h.sef.handleSignal(h.cloud.signals.notice('i-a1', 'termination-notice')));
    expect(event.outcome).toBe('promoted');
    const status = await h.sef.status('a1');
    expect(status.agent.primaryInstanceId).toBe(r.instanceId);
    expect(status.replica?.replicaType).toBe('manual');
    expect(['launching', 'syncing']).toContain(status.replica?.status);
  });

  it('a manual standby that failed to launch is started again by the sweep', async () => {
    const h = createHarness();
    await h.agent('a1');
    h.cloud.faults.failLaunches(1);
    await expect(h.settle(h.sef.enableManualReplica('a1'))).rejects.toMatchObject({ code: 'PROVIDER' });
    await h.settle(h.sef.idle());
    expect((await h.sef.status('a1')).agent.modes.manualReplica).toBe(true);
    expect((await h.settle(h.sef.sweep())).replicasStarted).toBe(1);
    expect((await h.sef.status('a1')).replica?.replicaType).toBe('manual');
  });

  it('enabling again after a failed launch starts a fresh standby and leaves no instance running unaccounted for', async () => {
    const h = createHarness({ latencies: realisticLatencies });
    await h.agent('a1');
    h.cloud.faults.failLaunches(2);
    await expect(h.settle(h.sef.enableManualReplica('a1'))).rejects.toThrow();
    await h.settle(h.sef.idle());
    h.cloud.faults.clear();
    const again = await h.settle(h.sef.enableManualReplica('a1'));
    await h.settle(h.sef.idle());
    const status = await h.sef.status('a1');
    expect(again.replica?.instanceId).toBeTruthy();
    expect(status.replica).toMatchObject({ instanceId: again.replica?.instanceId, status: 'syncing', replicaType: 'manual' });
    expect(status.replicas.map((r) => r.status)).toEqual(['failed', 'syncing']);
    const live = h.cloud.compute.instances().filter((i) => i.state !== 'terminated').map((i) => i.instanceId).sort();
    expect(live).toEqual(['i-a1', again.replica!.instanceId!].sort());
  });
});
