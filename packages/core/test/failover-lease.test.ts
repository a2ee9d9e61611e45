import { describe, expect, it } from 'vitest';
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
});
