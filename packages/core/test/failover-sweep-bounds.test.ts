import { describe, expect, it } from 'vitest';
import { createHarness, T0 } from './replica-harness.js';

// The sweep's time rules at their exact bounds: an unused auto replica's timeout and the slow-replica alert.

const DAY = 86_400_000;
const config = { riskWeights: { interruptionHistory: 0.4, instanceAge: 0.6, priceVolatility: 0 } };
const rebalance = (h: ReturnType<typeof createHarness>, instanceId: string) => h.cloud.signals.notice(instanceId, 'rebalance-recommendation');

/** An agent with auto-switch (and `autoTerminate`) whose risky primary got an auto standby, created at the returned time. */
async function withStandby(h: ReturnType<typeof createHarness>, autoTerminate: boolean) {
  await h.agent('a1', { modes: { autoSwitch: true, autoTerminate }, launchedAt: T0 - 8 * DAY });
  await h.settle(h.sef.handleSignal(rebalance(h, 'i-a1')));
  await h.settle(h.sef.idle());
  return (await h.sef.status('a1')).replica!;
}

describe('the sweep, at its bounds', () => {
  it('terminates an unused auto replica exactly unusedReplicaTimeout after it was created, not a millisecond before', async () => {
    const h = createHarness({ config: { ...config, unusedReplicaTimeout: 1800 } });
    const standby = await withStandby(h, true);
    await h.clock.advanceTo(standby.createdAt + 1_800_000 - 1);
    expect((await h.settle(h.sef.sweep())).terminatedUnused).toBe(0);
    await h.clock.advanceTo(standby.createdAt + 1_800_000);
    expect((await h.settle(h.sef.sweep())).terminatedUnused).toBe(1);
    expect(h.of('replica.terminated').map((e) => [e.replica.id, e.reason])).toEqual([[standby.id, 'terminated_unused']]);
  });

  it('leaves an unused auto replica alone when auto-terminate is off', async () => {
    const h = createHarness({ config: { ...config, unusedReplicaTimeout: 1800 } });
    const standby = await withStandby(h, false);
    await h.clock.advanceTo(standby.createdAt + 10 * 1_800_000);
    expect((await h.settle(h.sef.sweep())).terminatedUnused).toBe(0);
    expect((await h.sef.status('a1')).replica?.id).toBe(standby.id);
  });

  it('alerts on an average ready time above replicaReadyTimeAlert, not at it, naming the type and both times', async () => {
    for (const [readyAfterSec, alerted] of [[180, false], [181, true]] as const) {
      const h = createHarness({ config });
      const standby = await withStandby(h, false);
      await h.clock.advanceTo(standby.createdAt + readyAfterSec * 1000);
      await h.sef.replicaHeartbeat('a1', standby.instanceId!, 'ready');
      const { alerts } = await h.sef.sweep();
      expect(alerts.map((a) => a.kind)).toEqual(alerted ? ['slow_replica_creation'] : []);
      if (alerted) expect(alerts[0]?.message).toBe('Average auto replica ready time 181 s exceeds 180 s');
    }
  });
});
