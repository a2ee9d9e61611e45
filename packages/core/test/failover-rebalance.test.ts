import { describe, expect, it } from 'vitest';
import { realisticLatencies } from '../src/sim/cloud.js';
import { newSignalEvent } from '../src/testing/event-store.js';
import { createHarness, POOL, T0 } from './replica-harness.js';

const DAY = 86_400_000;
// Volatility weighted 0 so that the scores are exact: an instance over 7 days old scores 0.6, a fresh one ~0.
const config = { riskWeights: { interruptionHistory: 0.4, instanceAge: 0.6, priceVolatility: 0 } };
const rebalance = (h: ReturnType<typeof createHarness>, instanceId: string) => h.cloud.signals.notice(instanceId, 'rebalance-recommendation');

describe('rebalance recommendation', () => {
  it('risk ≥ 0.30 with auto-switch on starts an auto replica in the cheapest safe pool and keeps it as hot standby', async () => {
    const h = createHarness({ config, latencies: realisticLatencies });
    await h.agent('a1', { modes: { autoSwitch: true }, launchedAt: T0 - 8 * DAY });
    const result = await h.settle(h.sef.handleSignal(rebalance(h, 'i-a1')));
    expect(result.handled).toBe(true);
    expect(result.event).toMatchObject({ signalType: 'rebalance-recommendation', success: true, outcome: 'replica_started', poolId: POOL });
    expect(h.of('risk.scored')[0]).toMatchObject({ agentId: 'a1', score: 0.6, factors: { instanceAge: 1, interruptionHistory: 0 } });
    const candidates = (await h.settle(h.cloud.priceFeed.candidatePools({ agentId: 'a1', region: 'us-east-1', currentPoolId: POOL }))).filter((c) => c.poolId !== POOL);
    const cheapest = [...candidates].sort((a, b) => a.spotPrice - b.spotPrice || (a.poolId < b.poolId ? -1 : 1))[0]!;
    const status = await h.sef.status('a1');
    expect(status.replica).toMatchObject({ replicaType: 'auto', status: 'launching', poolId: cheapest.poolId, market: 'spot' });
    expect(status.agent.replicaInstanceId).toBe(status.replica?.instanceId);
    await h.settle(h.sef.idle());
    expect((await h.sef.status('a1')).replica?.status).toBe('syncing');
    await h.clock.advance(30_000);
    const ready = await h.sef.replicaHeartbeat('a1', status.replica!.instanceId!, 'ready');
    expect(ready.status).toBe('ready');
    expect(ready.readyAt! - ready.createdAt).toBeGreaterThan(40_000);
  });

  it('risk below 0.30 only monitors: no provider call, no replica', async () => {
    const h = createHarness({ config });
    await h.agent('a1', { modes: { autoSwitch: true }, launchedAt: T0 - 3_600_000 });
    const callsBefore = h.cloud.calls.length;
    const { event } = await h.settle(h.sef.handleSignal(rebalance(h, 'i-a1')));
    expect(event).toMatchObject({ success: true, outcome: 'monitor' });
    expect(h.cloud.calls.slice(callsBefore).filter((c) => c.method === 'launch')).toEqual([]);
    expect((await h.sef.status('a1')).replicas).toEqual([]);
  });

  it('with auto-switch off, or in manual mode, a risky instance is only monitored', async () => {
    const h = createHarness({ config });
    await h.agent('a1', { launchedAt: T0 - 8 * DAY });
    expect((await h.settle(h.sef.handleSignal(rebalance(h, 'i-a1')))).event.outcome).toBe('monitor_auto_off');
    expect((await h.sef.status('a1')).replicas).toEqual([]);
  });

  it('a pool that just interrupted one of our instances is avoided for the cool-down', async () => {
    const h = createHarness({ config });
    await h.agent('a1', { modes: { autoSwitch: true }, launchedAt: T0 - 8 * DAY });
    const candidates = (await h.cloud.priceFeed.candidatePools({ agentId: 'a1', region: 'us-east-1', currentPoolId: POOL })).filter((c) => c.poolId !== POOL);
    const cheapest = [...candidates].sort((a, b) => a.spotPrice - b.spotPrice || (a.poolId < b.poolId ? -1 : 1))[0]!;
    // Another agent in the cheapest pool was just interrupted.
    await h.agent('b1', { poolId: cheapest.poolId });
    await h.settle(h.sef.handleSignal(h.cloud.signals.notice('i-b1', 'termination-notice')));
    await h.clock.advance(60_000);
    await h.settle(h.sef.handleSignal(rebalance(h, 'i-a1')));
    const replica = (await h.sef.status('a1')).replica!;
    expect(replica.poolId).not.toBe(cheapest.poolId);
    expect(replica.poolId).not.toBe(POOL);
  });

  it.each([
    ['no capacity in the cheapest pool', 'noCapacity'],
    ['the cheapest pool unusable for the provider (no subnet in its AZ)', 'unusablePool'],
  ] as const)('%s: the launch moves on to the next safe pool', async (_, fault) => {
    const h = createHarness({ config });
    await h.agent('a1', { modes: { autoSwitch: true }, launchedAt: T0 - 8 * DAY });
    const candidates = (await h.cloud.priceFeed.candidatePools({ agentId: 'a1', region: 'us-east-1', currentPoolId: POOL })).filter((c) => c.poolId !== POOL);
    const [first, second] = [...candidates].sort((a, b) => a.spotPrice - b.spotPrice || (a.poolId < b.poolId ? -1 : 1));
    h.cloud.faults[fault](first!.poolId);
    const { event } = await h.settle(h.sef.handleSignal(rebalance(h, 'i-a1')));
    expect(event.outcome).toBe('replica_started');
    expect((await h.sef.status('a1')).replica?.poolId).toBe(second!.poolId);
  });

  it('no safe pool and no on-demand fallback: an alert, and no replica', async () => {
    const h = createHarness({ config: { ...config, rebalanceRiskThreshold: 0.0001 } });
    await h.agent('a1', { modes: { autoSwitch: true }, launchedAt: T0 - 8 * DAY });
    await h.agent('b1', { poolId: 'us-east-1b:c5.large' });
    // Every candidate pool has a bit of history now, so none is below the tiny threshold.
    for (const p of (await h.cloud.priceFeed.candidatePools({ agentId: 'a1', region: 'us-east-1', currentPoolId: POOL }))) {
      await h.storage.events.recordSignal(newSignalEvent(`old-${p.poolId}`, { agentId: 'b1', instanceId: 'i-x', poolId: p.poolId, detectedAt: T0 - 10 * DAY, responseTimeMs: 1, success: true, outcome: 'promoted' }));
    }
    const { event } = await h.settle(h.sef.handleSignal(rebalance(h, 'i-a1')));
    expect(event).toMatchObject({ outcome: 'no_safe_pool', success: false });
    expect(h.of('alert').map((a) => a.kind)).toEqual(['no_safe_pool']);
    const od = createHarness({ config: { ...config, rebalanceRiskThreshold: 0.0001, allowOnDemandFallback: true } });
    await od.agent('a1', { modes: { autoSwitch: true }, launchedAt: T0 - 8 * DAY });
    await od.agent('b1', { poolId: 'us-east-1b:c5.large' });
    for (const p of (await od.cloud.priceFeed.candidatePools({ agentId: 'a1', region: 'us-east-1', currentPoolId: POOL }))) {
      await od.storage.events.recordSignal(newSignalEvent(`old-${p.poolId}`, { agentId: 'b1', instanceId: 'i-x', poolId: p.poolId, detectedAt: T0 - 10 * DAY, responseTimeMs: 1, success: true, outcome: 'promoted' }));
    }
    await od.settle(od.sef.handleSignal(rebalance(od, 'i-a1')));
    expect((await od.sef.status('a1')).replica?.market).toBe('on-demand');
  });

  it('an auto replica no termination notice follows within unusedReplicaTimeout is terminated (terminated_unused) when auto-terminate is on', async () => {
    const h = createHarness({ config: { ...config, unusedReplicaTimeout: 1800 } });
    await h.agent('a1', { modes: { autoSwitch: true, autoTerminate: true }, launchedAt: T0 - 8 * DAY });
    await h.agent('a2', { modes: { autoSwitch: true }, launchedAt: T0 - 8 * DAY });
    await h.settle(h.sef.handleSignal(rebalance(h, 'i-a1')));
    await h.settle(h.sef.handleSignal(rebalance(h, 'i-a2')));
    await h.settle(h.sef.idle());
    await h.clock.advance(1_700_000);
    expect((await h.sef.sweep()).terminatedUnused).toBe(0);
    await h.clock.advance(200_000);
    expect((await h.settle(h.sef.sweep())).terminatedUnused).toBe(1);
    const a1 = await h.sef.status('a1');
    expect(a1.replica).toBeNull();
    expect(a1.agent.replicaInstanceId).toBeNull();
    expect(h.cloud.compute.instances().find((i) => i.instanceId === a1.replicas[0]!.instanceId)?.state).toBe('terminated');
    expect((await h.sef.status('a2')).replica?.status).toBe('syncing');
    expect(h.of('replica.terminated').map((e) => e.reason)).toEqual(['terminated_unused']);
    const stats = await h.storage.replicas.stats(T0);
    expect(stats.find((s) => s.replicaType === 'auto')).toMatchObject({ totalCreated: 2, terminatedUnused: 1 });
  });

  it('alerts when the average replica ready time exceeds 180 s', async () => {
    const h = createHarness({ config });
    await h.agent('a1', { modes: { autoSwitch: true }, launchedAt: T0 - 8 * DAY });
    await h.settle(h.sef.handleSignal(rebalance(h, 'i-a1')));
    const r = (await h.sef.status('a1')).replica!;
    await h.clock.advance(181_000);
    await h.sef.replicaHeartbeat('a1', r.instanceId!, 'ready');
    const { alerts } = await h.sef.sweep();
    expect(alerts.map((a) => a.kind)).toEqual(['slow_replica_creation']);
    expect(h.of('alert')[0]?.details).toMatchObject({ replicaType: 'auto', avgReadyTimeSec: 181 });
  });
});

describe('a rebalance resumed after its process died', () => {
  it("whose standby was recorded and has since reported ready carries on with it: no second launch, no second standby", async () => {
    let h: ReturnType<typeof createHarness> | undefined;
    let crashed = false;
    h = createHarness({
      instances: 2,
      config,
      latencies: realisticLatencies,
      // Process 0 dies once the standby's instance is on record, before its flow records the end.
      wrap: (i, deps) => {
        if (i !== 0) return deps;
        const { replicas } = deps.storage;
        const transition: typeof replicas.transition = async (...args) => {
          const record = await replicas.transition(...args);
          if (record.instanceId !== null && record.status === 'launching') {
            crashed = true;
            h!.crash(0);
          }
          return record;
        };
        return { ...deps, storage: { ...deps.storage, replicas: { ...replicas, transition } } };
      },
    });
    await h.agent('a1', { modes: { autoSwitch: true }, launchedAt: T0 - 8 * DAY });
    const { notice } = await h.settle(h.sefs[0]!.acceptSignal(rebalance(h, 'i-a1')));
    while (!crashed) await h.clock.advance(100);
    const standby = (await h.sefs[1]!.status('a1')).replica!;
    expect(standby).toMatchObject({ status: 'launching', causeId: notice.id });
    expect(standby.instanceId).not.toBeNull();
    await h.clock.advance(60_000);
    await h.sefs[1]!.replicaHeartbeat('a1', standby.instanceId!, 'ready');
    while ((await h.storage.events.getSignal(notice.id))?.success === null) {
      await h.sefs[1]!.resumeNotices();
      await h.settle(h.clock.advance(5_000));
    }
    expect(await h.storage.events.getSignal(notice.id)).toMatchObject({ success: true, outcome: 'replica_started' });
    const { replicas } = await h.sefs[1]!.status('a1');
    expect(replicas.map((r) => [r.id, r.status])).toEqual([[standby.id, 'ready']]);
    expect(h.cloud.calls.filter((c) => c.method === 'launch')).toHaveLength(1);
  });
});
