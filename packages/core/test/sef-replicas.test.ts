import { describe, expect, it } from 'vitest';
import { ConflictError, createFakeClock, createMemoryStorage, createSef, createSimulatedCloud, simulatedPools, type FakeClock } from '../src/index.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const POOL = 'us-east-1a:c5.large';

/** Moves the fake clock in small steps until `p` settles (the simulated cloud sleeps on it). */
async function settle<T>(clock: FakeClock, p: Promise<T>, maxMs = 300_000): Promise<T> {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let waited = 0; !done && waited < maxMs; waited += 1000) await clock.advance(1000);
  return p;
}

async function setup() {
  const clock = createFakeClock(T0);
  const cloud = createSimulatedCloud({ clock });
  const sef = createSef({ clock, storage: createMemoryStorage({ clock, pools: simulatedPools() }), cloud, signalSources: [cloud.signals], instanceId: 'sef-test' });
  await sef.registerAgent({ id: 'a1', instanceId: 'i-primary', poolId: POOL });
  cloud.compute.addRunning({ instanceId: 'i-primary', poolId: POOL, agentId: 'a1' });
  return { clock, cloud, sef };
}

describe('the Sef facade runs the replica flows', () => {
  it('manual mode keeps a standby; auto-switch is refused while it is on', async () => {
    const { clock, sef } = await setup();
    const enabled = await settle(clock, sef.enableManualReplica('a1'));
    expect(enabled.replica?.replicaType).toBe('manual');
    await expect(sef.setModes('a1', { autoSwitch: true })).rejects.toThrow(ConflictError);
    await expect(sef.setModes('a1', { autoSwitch: true })).rejects.toThrow('Manual mode active');
    const status = await sef.replicaStatus('a1');
    expect(status.agent.modes).toEqual({ autoSwitch: false, autoTerminate: false, manualReplica: true });
    expect(status.replica?.status).toMatch(/launching|syncing/);
  });

  it('a termination notice from a started signal source promotes the ready replica, once, though delivered twice', async () => {
    const { clock, cloud, sef } = await setup();
    const completed: unknown[] = [];
    sef.on('failover.completed', (e) => completed.push(e));
    const { replica } = await settle(clock, sef.enableManualReplica('a1'));
    await settle(clock, (async () => {
      while ((await sef.replicaStatus('a1')).replica?.instanceId == null) await clock.advance(1000);
    })());
    const standby = (await sef.replicaStatus('a1')).replica!;
    expect(standby.id).toBe(replica?.id);
    await sef.replicaHeartbeat('a1', standby.instanceId!, 'ready');

    sef.start();
    const notice = cloud.signals.notice('i-primary', 'termination-notice');
    await settle(clock, cloud.signals.deliver(notice));
    await settle(clock, cloud.signals.deliver(notice));

    const after = await sef.replicaStatus('a1');
    expect(after.agent.primaryInstanceId).toBe(standby.instanceId);
    expect(after.replicas.find((r) => r.id === standby.id)?.status).toBe('promoted');
    expect(completed).toHaveLength(1);
    expect(after.signals).toHaveLength(1);
    expect(after.signals[0]).toMatchObject({ signalType: 'termination-notice', success: true });
    await settle(clock, sef.stop());
  });

  it('scores the risk of a primary as 0.4·history + 0.3·age + 0.3·volatility, each factor by its formula', async () => {
    const { clock, cloud, sef } = await setup();
    await clock.advance(3 * 86_400_000); // the primary is three days old
    // Two termination notices in the pool, both in the current UTC hour: the README's time-of-day shaping gives
    // w = 3/24, share = (2 + 4·w) / (2 + 4), n_eff = 0.5·2 + 0.5·2·share / w, history = 1 − exp(−n_eff / 2).
    for (const id of ['i-old-1', 'i-old-2']) {
      cloud.compute.addRunning({ instanceId: id, poolId: POOL, agentId: 'a1' });
      await sef.storage.events.recordSignal({
        // Two primaries' notices: each its own notice time (one primary notice per agent and notice time).
        id: `n-${id}`, agentId: 'a1', instanceId: id, poolId: POOL, signalType: 'termination-notice', instanceRole: 'primary', detectedAt: clock.now(),
        noticeTime: clock.now() - id.length - Number(id.at(-1)), actionTime: null, deadline: clock.now(), responseTimeMs: 1, success: true, outcome: 'promoted', steps: [],
      });
    }
    const score = await settle(clock, sef.scoreRisk('a1'));
    const { interruptionHistory: h, instanceAge: a, priceVolatility: v } = score.factors;
    const w = 3 / 24;
    const share = (2 + 4 * w) / (2 + 4);
    expect(h).toBeCloseTo(1 - Math.exp(-(0.5 * 2 + (0.5 * 2 * share) / w) / 2), 12);
    expect(a).toBeCloseTo((score.at - T0) / (7 * 86_400_000), 12);
    expect(v).toBeGreaterThan(0);
    expect(v).toBeLessThanOrEqual(1);
    expect(score.score).toBeCloseTo(0.4 * h + 0.3 * a + 0.3 * v, 12);
    expect(score).toMatchObject({ agentId: 'a1', poolId: POOL, source: 'heuristic' });
  });
});
