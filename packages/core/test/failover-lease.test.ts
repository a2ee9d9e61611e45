import { describe, expect, it } from 'vitest';
import { ProviderError } from '../src/errors/index.js';
import { realisticLatencies } from '../src/sim/cloud.js';
import { createHarness } from './replica-harness.js';

describe('one SEF instance at a time acts on an agent (the per-agent lease)', () => {
  it('a sweep at one instance and a manual enable at the other, at once, start one standby, not two', async () => {
    const h = createHarness({ instances: 2, latencies: realisticLatencies });
    await h.agent('a1');
    h.cloud.faults.failLaunches(1);
    await expect(h.settle(h.sefs[0]!.enableManualReplica('a1'))).rejects.toMatchObject({ code: 'PROVIDER' });
    await h.settle(Promise.all(h.sefs.map((s) => s.idle())));
    // Manual mode is on with no standby: both instances now try to give it one, each under its own cause.
    await h.settle(Promise.all([h.sefs[0]!.sweep(), h.sefs[1]!.enableManualReplica('a1')]));
    await h.settle(Promise.all(h.sefs.map((s) => s.idle())));
    const live = h.cloud.compute.instances().filter((i) => i.state !== 'terminated');
    expect(live).toHaveLength(2); // the primary and one standby
    expect((await h.sef.status('a1')).replicas.filter((r) => r.status !== 'failed')).toHaveLength(1);
  });
});

describe('a replica whose boot watcher went away (another SEF process crashed)', () => {
  it('is settled by the sweep from the provider: running → syncing, gone → failed', async () => {
    const h = createHarness();
    // Manual mode on: a manual standby is wanted (with it off, the sweep would end it for that reason).
    await h.agent('a1', { modes: { manualReplica: true } });
    await h.agent('a2', { modes: { manualReplica: true } });
    for (const [id, state] of [['a1', 'running'], ['a2', 'gone']] as const) {
      const inst = h.cloud.compute.addRunning({ instanceId: `i-${id}-r`, poolId: 'us-east-1b:c5.large', agentId: id });
      if (state === 'gone') await h.cloud.compute.terminate(inst.instanceId);
      await h.storage.replicas.create({ id: `r-${id}`, agentId: id, instanceId: inst.instanceId, poolId: inst.poolId, market: 'spot', replicaType: 'manual', status: 'launching', createdAt: h.clock.now(), readyAt: null, endedAt: null, causeId: `c-${id}` });
    }
    await h.clock.advance(899_000);
    await h.settle(h.sef.sweep());
    expect((await h.storage.replicas.get('r-a1'))?.status).toBe('launching');
    await h.clock.advance(1_000);
    await h.settle(h.sef.sweep());
    expect((await h.storage.replicas.get('r-a1'))?.status).toBe('syncing');
    expect((await h.storage.replicas.get('r-a2'))?.status).toBe('failed');
  });
  it('by the provider answer: still pending stays launching, unknown to the provider fails; a failed answer is reported and the other agents are still settled', async () => {
    const h = createHarness({
      // The provider refuses to describe a3's replica (an outage of one call); the others answer.
      wrap: (_, deps) => ({ ...deps, compute: { ...deps.compute, describe: (id, o) => (id === 'i-a3-r' ? Promise.reject(new ProviderError('describe refused')) : deps.compute.describe(id, o)) } }),
    });
    const instances = { a1: 'pending', a2: 'unknown', a3: 'refused', a4: 'running' } as const;
    for (const [id, state] of Object.entries(instances)) {
      await h.agent(id, { modes: { manualReplica: true } });
      // Pending: the instance runs only in ten hours. Unknown: the provider never had it.
      if (state !== 'unknown') h.cloud.compute.addRunning({ instanceId: `i-${id}-r`, poolId: 'us-east-1b:c5.large', agentId: id, ...(state === 'pending' ? { launchedAt: h.clock.now() + 36_000_000 } : {}) });
      await h.storage.replicas.create({ id: `r-${id}`, agentId: id, instanceId: `i-${id}-r`, poolId: 'us-east-1b:c5.large', market: 'spot', replicaType: 'manual', status: 'launching', createdAt: h.clock.now(), readyAt: null, endedAt: null, causeId: `c-${id}` });
    }
    await h.clock.advance(900_000);
    await h.settle(h.sef.sweep());
    const status = async (id: string) => (await h.storage.replicas.get(`r-${id}`))?.status;
    expect([await status('a1'), await status('a2'), await status('a3'), await status('a4')]).toEqual(['launching', 'failed', 'launching', 'syncing']);
    // The unknown instance's cleanup terminate is refused too (NotFound): left to the reconciliation sweep, and said.
    expect(h.of('error').map((e) => [e.context, (e.error as Error).message])).toEqual([
      ['cleanup of replica r-a2 (left to the reconciliation sweep)', 'InvalidInstanceID.NotFound: i-a2-r'],
      ['sweep of replica r-a3', 'describe refused'],
    ]);
  });
});

describe('the sweep decides again under the lease (another process acted between its read and the lease)', () => {
  /** A harness whose sweep runs `before` once, right before it takes an agent's lease. */
  function racing(config: Record<string, unknown> = {}) {
    let before: (() => Promise<void>) | undefined;
    const h = createHarness({
      config: { riskWeights: { interruptionHistory: 0.4, instanceAge: 0.6, priceVolatility: 0 }, unusedReplicaTimeout: 1800, ...config },
      wrap: (_, deps) => ({
        ...deps,
        leases: {
          ...deps.leases,
          acquire: async (...args: Parameters<typeof deps.leases.acquire>) => {
            const act = before;
            before = undefined;
            await act?.();
            return deps.leases.acquire(...args);
          },
        },
      }),
    });
    return { h, meanwhile: (act: () => Promise<void>) => void (before = act) };
  }
  const standby = (h: ReturnType<typeof createHarness>, id: string, type: 'auto' | 'manual') =>
    h.storage.replicas.create({ id, agentId: 'a1', instanceId: `i-${id}`, poolId: 'us-east-1b:c5.large', market: 'spot', replicaType: type, status: 'syncing', createdAt: h.clock.now(), readyAt: null, endedAt: null, causeId: `c-${id}` });

  it('an unused auto standby promoted meanwhile, with a new standby started: the new one is kept', async () => {
    const { h, meanwhile } = racing();
    await h.agent('a1', { modes: { autoSwitch: true, autoTerminate: true } });
    h.cloud.compute.addRunning({ instanceId: 'i-r1', poolId: 'us-east-1b:c5.large', agentId: 'a1' });
    await standby(h, 'r1', 'auto');
    await h.clock.advance(1_800_000);
    meanwhile(async () => {
      await h.storage.replicas.transition('r1', ['syncing'], 'promoted', { endedAt: h.clock.now() });
      h.cloud.compute.addRunning({ instanceId: 'i-r2', poolId: 'us-east-1b:c5.large', agentId: 'a1' });
      await standby(h, 'r2', 'auto');
    });
    expect((await h.settle(h.sef.sweep())).terminatedUnused).toBe(0);
    expect((await h.storage.replicas.get('r2'))?.status).toBe('syncing');
    expect(h.cloud.compute.instance('i-r2')?.state).toBe('running');
  });

  it('a manual standby of a mode turned off, the mode turned on again meanwhile: the standby is kept', async () => {
    const { h, meanwhile } = racing();
    await h.agent('a1');
    h.cloud.compute.addRunning({ instanceId: 'i-r1', poolId: 'us-east-1b:c5.large', agentId: 'a1' });
    await standby(h, 'r1', 'manual');
    meanwhile(async () => void (await h.sef.setModes('a1', { manualReplica: true })));
    expect((await h.settle(h.sef.sweep())).terminatedManualOff).toBe(0);
    expect((await h.storage.replicas.get('r1'))?.status).toBe('syncing');
  });
});
