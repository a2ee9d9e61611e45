import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHarness, POOL, T0, type Harness } from './replica-harness.js';

const DAY = 86_400_000;
const MIN_AGE = 600_000;
// An instance over 7 days old scores 0.6 with these weights: a rebalance starts an auto replica.
const config = { riskWeights: { interruptionHistory: 0.4, instanceAge: 0.6, priceVolatility: 0 } };

/** SEF-launched instances the cloud still runs (or boots). */
const running = async (h: Harness) => (await h.cloud.compute.listLaunched()).map((i) => i.instanceId).sort();

async function manualStandby(h: Harness, id = 'a1') {
  const enabled = await h.settle(h.sef.enableManualReplica(id));
  await h.settle(h.sef.idle());
  return enabled.replica!;
}

describe('reconciliation sweep: nothing leaked', () => {
  it('a failed cleanup terminate (emergency launch past its deadline) leaks today; the sweep ends it once its record is old enough', async () => {
    const h = createHarness();
    await h.agent('a1');
    h.cloud.faults.hang('waitUntilRunning');
    h.cloud.faults.failTerminates(100);
    const { event } = await h.settle(h.sef.handleSignal(h.cloud.signals.notice('i-a1', 'termination-notice', { leadMs: 120_000 })));
    expect(event.success).toBe(false);
    await h.settle(h.sef.idle());
    const [leaked] = await running(h);
    expect(leaked).toBeDefined();
    const record = await h.storage.replicas.findByInstance(leaked!);
    expect(record).toMatchObject({ replicaType: 'emergency', status: 'failed' });
    expect(h.of('error').map((e) => e.context)).toContainEqual(expect.stringMatching(/left to the reconciliation sweep/));
    h.cloud.faults.clear();

    expect((await h.settle(h.sef.reconcile())).decisions).toEqual([]); // ended a moment ago: not yet
    await h.clock.advance(MIN_AGE);
    const result = await h.settle(h.sef.reconcile());
    expect(result.decisions).toEqual([expect.objectContaining({ instanceId: leaked, agentId: 'a1', reason: 'ended', replicaId: record!.id, outcome: 'terminated', attempts: 1 })]);
    expect(await running(h)).toEqual([]);
    expect(h.of('instance.orphaned')).toEqual(result.decisions);
    const logged = await h.storage.events.systemEvents({ since: 0, typePrefix: 'reconcile.' });
    expect(logged.map((e) => e.payload['instanceId'])).toEqual([leaked]);
  });

  it('disabling manual mode while the terminate fails leaves the standby running and active; the sweep ends instance and record', async () => {
    const h = createHarness();
    await h.agent('a1');
    const standby = await manualStandby(h);
    h.cloud.faults.failTerminates(4);
    await expect(h.settle(h.sef.disableManualReplica('a1'))).rejects.toMatchObject({ code: 'PROVIDER' });
    expect(await running(h)).toEqual([standby.instanceId]);
    expect((await h.sef.status('a1')).agent.modes.manualReplica).toBe(false);

    await h.clock.advance(MIN_AGE);
    const { decisions } = await h.settle(h.sef.reconcile());
    expect(decisions).toEqual([expect.objectContaining({ instanceId: standby.instanceId, reason: 'mode_disabled', outcome: 'terminated' })]);
    expect(await running(h)).toEqual([]);
    const status = await h.sef.status('a1');
    expect(status.replica).toBeNull();
    expect(status.agent.replicaInstanceId).toBeNull();
    expect(await h.storage.replicas.get(standby.id)).toMatchObject({ status: 'terminated' });
    expect(h.of('replica.terminated').at(-1)).toMatchObject({ reason: 'orphan_mode_disabled' });
  });

  it('a terminate refused for a while (eventual consistency, throttling) is tried again in the same sweep', async () => {
    const h = createHarness();
    await h.agent('a1');
    const standby = await manualStandby(h);
    h.cloud.faults.failTerminates(3);
    const disabled = await h.settle(h.sef.disableManualReplica('a1'));
    expect(disabled.steps.find((s) => s.name === 'terminate_replica')).toMatchObject({ ok: true });
    expect(await running(h)).toEqual([]);
    expect(await h.storage.replicas.get(standby.id)).toMatchObject({ status: 'terminated' });

    const orphan = await h.settle(h.cloud.compute.launch({ agentId: 'a1', poolId: POOL, role: 'replica', market: 'spot' }));
    await h.clock.advance(MIN_AGE);
    h.cloud.faults.failTerminates(2);
    const { decisions } = await h.settle(h.sef.reconcile());
    expect(decisions).toEqual([expect.objectContaining({ instanceId: orphan.instanceId, reason: 'no_record', outcome: 'terminated', attempts: 3 })]);
  });

  it('a terminate that keeps failing is reported (terminate_failed) and tried again at the next sweep', async () => {
    const h = createHarness();
    await h.agent('a1');
    const orphan = await h.settle(h.cloud.compute.launch({ agentId: 'a1', poolId: POOL, role: 'replica', market: 'spot' }));
    await h.clock.advance(MIN_AGE);
    h.cloud.faults.failTerminates(4);
    const first = await h.settle(h.sef.reconcile());
    expect(first.decisions).toEqual([expect.objectContaining({ instanceId: orphan.instanceId, outcome: 'terminate_failed', attempts: 4, error: expect.stringMatching(/Simulated terminate failure/) })]);
    expect(await running(h)).toEqual([orphan.instanceId]);
    const second = await h.settle(h.sef.reconcile());
    expect(second.decisions).toEqual([expect.objectContaining({ instanceId: orphan.instanceId, outcome: 'terminated', attempts: 1 })]);
    expect(await running(h)).toEqual([]);
  });

  it('a provider that hangs holds no sweep: a hung terminate is terminate_failed after the grace period, a hung inventory rejects', async () => {
    const h = createHarness();
    await h.agent('a1');
    const orphan = await h.settle(h.cloud.compute.launch({ agentId: 'a1', poolId: POOL, role: 'replica', market: 'spot' }));
    await h.clock.advance(MIN_AGE);
    h.cloud.faults.hang('terminate');
    const started = h.clock.now();
    const hung = await h.settle(h.sef.reconcile(), 1_000, 600_000);
    expect(hung.decisions).toEqual([expect.objectContaining({ instanceId: orphan.instanceId, outcome: 'terminate_failed', attempts: 1, error: expect.stringMatching(/Deadline of 120000 ms exceeded/) })]);
    expect(h.clock.now() - started).toBeLessThanOrEqual(121_000);
    h.cloud.faults.clear();
    h.cloud.faults.hang('listLaunched');
    await expect(h.settle(h.sef.reconcile(), 1_000, 600_000)).rejects.toThrow(/Deadline of 120000 ms exceeded/);
    h.cloud.faults.clear();
    expect((await h.settle(h.sef.reconcile())).decisions).toEqual([expect.objectContaining({ instanceId: orphan.instanceId, outcome: 'terminated' })]);
  });

  it('a launch whose record was never written is an orphan once older than orphanMinAge; a younger one, or one with a record, is not', async () => {
    const h = createHarness();
    await h.agent('a1');
    const standby = await manualStandby(h);
    const lost = await h.settle(h.cloud.compute.launch({ agentId: 'a1', poolId: POOL, role: 'replica', market: 'spot' }));
    await h.clock.advance(MIN_AGE - 1);
    expect((await h.settle(h.sef.reconcile())).decisions).toEqual([]);
    await h.clock.advance(1);
    const { decisions, listed } = await h.settle(h.sef.reconcile());
    expect(listed).toBe(2);
    expect(decisions).toEqual([expect.objectContaining({ instanceId: lost.instanceId, reason: 'no_record', replicaId: null })]);
    expect(await running(h)).toEqual([standby.instanceId]);
  });

  it('a former primary SEF has no record of (tagged, registered) runs out its notice: left alone until orphanMinAge after the notice\'s deadline, then ended', async () => {
    const h = createHarness();
    // A primary with SEF's tags that SEF never recorded launching (the agent's own template tags it).
    const primary = await h.settle(h.cloud.compute.launch({ agentId: 'a1', poolId: POOL, role: 'primary', market: 'spot' }));
    await h.clock.advance(MIN_AGE);
    await h.storage.agents.create({ id: 'a1', region: 'us-east-1', poolId: POOL, primaryInstanceId: primary.instanceId, primaryLaunchedAt: primary.launchedAt, modes: { autoSwitch: false, autoTerminate: false, manualReplica: false } });
    const standby = await manualStandby(h);
    await h.settle(h.sef.replicaHeartbeat('a1', standby.instanceId!, 'ready'));
    const { event } = await h.settle(h.sef.handleSignal({ type: 'termination-notice', agentId: 'a1', instanceId: primary.instanceId, noticeTime: h.clock.now(), actionTime: h.clock.now() + 120_000, source: 'api' }));
    expect(event).toMatchObject({ success: true, outcome: 'promoted' });
    // The notice is the cloud's promise to end it; meanwhile the agent on it may still send what it observed.
    expect((await h.settle(h.sef.reconcile())).decisions).toEqual([]);
    await h.clock.advance(event.deadline + MIN_AGE - h.clock.now() - 1);
    expect((await h.settle(h.sef.reconcile())).decisions).toEqual([]);
    expect(await running(h)).toContain(primary.instanceId);
    // The cloud did not end it: the sweep does.
    await h.clock.advance(1);
    expect((await h.settle(h.sef.reconcile())).decisions).toEqual([expect.objectContaining({ instanceId: primary.instanceId, reason: 'no_record', outcome: 'terminated' })]);
    expect(await running(h)).not.toContain(primary.instanceId);
  });

  it('instances of an agent SEF no longer knows are orphans; the primaries and wanted standbys of every agent are kept', async () => {
    const h = createHarness();
    await h.agent('a1');
    await h.agent('a2', { modes: { autoSwitch: true } });
    const standby = await manualStandby(h, 'a1');
    const stray = await h.settle(h.cloud.compute.launch({ agentId: 'gone', poolId: POOL, role: 'primary', market: 'spot' }));
    await h.clock.advance(7 * DAY);
    const { decisions } = await h.settle(h.sef.reconcile());
    expect(decisions).toEqual([expect.objectContaining({ instanceId: stray.instanceId, agentId: 'gone', reason: 'unknown_agent' })]);
    expect(await running(h)).toEqual([standby.instanceId]);
  });

  it("the quick check (primary, or current standby with a mode on) never keeps what the full classification ends: a standby's instance first recorded by an older, ended record is ended", async () => {
    const h = createHarness();
    await h.agent('a1');
    // A record created before the standby's, that names the standby's instance once it exists and ended long ago.
    await h.storage.replicas.create({ id: 'older', agentId: 'a1', instanceId: null, poolId: POOL, market: 'spot', replicaType: 'manual', status: 'terminated', createdAt: T0, readyAt: null, endedAt: T0, causeId: 'older' });
    const standby = await manualStandby(h);
    await h.storage.replicas.transition('older', ['terminated'], 'terminated', { instanceId: standby.instanceId! });
    await h.clock.advance(MIN_AGE);
    const { decisions } = await h.settle(h.sef.reconcile());
    expect(decisions).toEqual([expect.objectContaining({ instanceId: standby.instanceId, reason: 'ended', replicaId: 'older' })]);
  });

  it('an auto replica taken over by manual mode is ended when manual mode is turned off', async () => {
    const h = createHarness({ config });
    await h.agent('a1', { modes: { autoSwitch: true }, launchedAt: T0 - 8 * DAY });
    const { event } = await h.settle(h.sef.handleSignal(h.cloud.signals.notice('i-a1', 'rebalance-recommendation')));
    expect(event.outcome).toBe('replica_started');
    await h.settle(h.sef.idle());
    const auto = (await h.sef.status('a1')).replica!;
    await h.settle(h.sef.setModes('a1', { autoSwitch: false }));
    const enabled = await h.settle(h.sef.enableManualReplica('a1'));
    expect(enabled.replica?.id).toBe(auto.id); // manual mode uses the standby that is there
    const disabled = await h.settle(h.sef.disableManualReplica('a1'));
    expect(disabled.steps.map((s) => s.name)).toEqual(['terminate_replica']);
    expect(await running(h)).toEqual([]);
    expect(await h.storage.replicas.get(auto.id)).toMatchObject({ status: 'terminated' });
  });

  it('any sequence of manual toggles with failing terminates leaves, after one sweep, exactly the standby manual mode wants', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ on: fc.boolean(), failures: fc.constantFrom(0, 0, 0, 2, 4) }), { minLength: 1, maxLength: 12 }),
        async (toggles) => {
          const h = createHarness();
          await h.agent('a1');
          for (const { on, failures } of toggles) {
            h.cloud.faults.failTerminates(failures);
            await h.settle(on ? h.sef.enableManualReplica('a1') : h.sef.disableManualReplica('a1')).catch(() => undefined);
            await h.settle(h.sef.idle());
            h.cloud.faults.clear();
          }
          await h.clock.advance(MIN_AGE);
          await h.settle(h.sef.reconcile());
          const status = await h.sef.status('a1');
          const wanted = status.agent.modes.manualReplica && status.replica?.instanceId ? [status.replica.instanceId] : [];
          expect(await running(h)).toEqual(wanted);
          expect(status.replicas.filter((r) => ['launching', 'syncing', 'ready'].includes(r.status)).length).toBe(wanted.length);
        },
      ),
      { numRuns: 60 },
    );
  });
});
