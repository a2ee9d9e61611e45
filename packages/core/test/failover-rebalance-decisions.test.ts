import { describe, expect, it } from 'vitest';
import { createHarness, T0 } from './replica-harness.js';

// What a rebalance recommendation decides, and what its record says about why: the risk step's detail,
// the threshold's exact bound, and each "only monitor" decision with its outcome and note.

const DAY = 86_400_000;
// Volatility weighted 0 so that the scores are exact: an instance over 7 days old scores 0.6.
const weights = { interruptionHistory: 0.4, instanceAge: 0.6, priceVolatility: 0 };
const rebalance = (h: ReturnType<typeof createHarness>, instanceId: string) => h.cloud.signals.notice(instanceId, 'rebalance-recommendation');

describe('a rebalance recommendation decides', () => {
  it('at exactly the threshold, to start a standby; its record names the risk step with the score and factors', async () => {
    const h = createHarness({ config: { riskWeights: weights, rebalanceRiskThreshold: 0.6 } });
    await h.agent('a1', { modes: { autoSwitch: true }, launchedAt: T0 - 8 * DAY });
    const { event } = await h.settle(h.sef.handleSignal(rebalance(h, 'i-a1')));
    expect(event).toMatchObject({ success: true, outcome: 'replica_started' });
    expect(event.steps.find((s) => s.name === 'score_risk')).toMatchObject({ ok: true, detail: '0.600 by heuristic (history 0.00, age 1.00, volatility 0.10)' });
    expect((await h.sef.status('a1')).replica?.replicaType).toBe('auto');
  });

  it('just below the threshold, only to monitor', async () => {
    const h = createHarness({ config: { riskWeights: weights, rebalanceRiskThreshold: 0.6000001 } });
    await h.agent('a1', { modes: { autoSwitch: true }, launchedAt: T0 - 8 * DAY });
    const { event } = await h.settle(h.sef.handleSignal(rebalance(h, 'i-a1')));
    expect(event).toMatchObject({ success: true, outcome: 'monitor' });
    expect(event.steps.map((s) => s.name)).toEqual(['decide_path', 'score_risk']);
  });

  it('in manual mode, to leave the standby to manual mode (a decision noted, not a failure)', async () => {
    const h = createHarness({ config: { riskWeights: weights } });
    await h.agent('a1', { modes: { manualReplica: true }, launchedAt: T0 - 8 * DAY });
    const { event } = await h.settle(h.sef.handleSignal(rebalance(h, 'i-a1')));
    expect(event).toMatchObject({ success: true, outcome: 'manual_mode_active' });
    expect(event.steps.at(-1)).toMatchObject({ name: 'decide', ok: true, detail: 'manual mode keeps its own standby' });
    expect((await h.sef.status('a1')).replicas).toEqual([]);
  });

  it('with auto-switch off, only to monitor (noted)', async () => {
    const h = createHarness({ config: { riskWeights: weights } });
    await h.agent('a1', { launchedAt: T0 - 8 * DAY });
    const { event } = await h.settle(h.sef.handleSignal(rebalance(h, 'i-a1')));
    expect(event).toMatchObject({ success: true, outcome: 'monitor_auto_off' });
    expect(event.steps.at(-1)).toMatchObject({ name: 'decide', ok: true, detail: 'auto-switch is off' });
  });

  it("with another cause's standby there, to keep it: no second launch (noted with the standby's id and status)", async () => {
    const h = createHarness({ config: { riskWeights: weights } });
    await h.agent('a1', { modes: { autoSwitch: true }, launchedAt: T0 - 8 * DAY });
    await h.settle(h.sef.handleSignal(rebalance(h, 'i-a1')));
    await h.settle(h.sef.idle());
    const standby = (await h.sef.status('a1')).replica!;
    await h.clock.advance(60_000);
    const launches = h.cloud.calls.filter((c) => c.method === 'launch').length;
    const { event } = await h.settle(h.sef.handleSignal(rebalance(h, 'i-a1')));
    expect(event).toMatchObject({ success: true, outcome: 'replica_exists' });
    expect(event.steps.at(-1)).toMatchObject({ name: 'decide', ok: true, detail: `${standby.id} is ${standby.status}` });
    expect(h.cloud.calls.filter((c) => c.method === 'launch')).toHaveLength(launches);
    expect((await h.sef.status('a1')).replicas).toHaveLength(1);
  });
});
