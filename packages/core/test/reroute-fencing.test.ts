import { describe, expect, it } from 'vitest';
import type { ReplicaManagerDeps } from '../src/failover/index.js';
import { createHarness, type Harness } from './replica-harness.js';

/**
 * SEF instance 0 as a process that pauses (SIGSTOP, a long GC) once it has decided to reroute, just
 * before its reroute check: its lease renewals stop with it.
 */
function pausable() {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let paused = false;
  let fences = 0;
  const wrap = (index: number, deps: ReplicaManagerDeps): ReplicaManagerDeps => {
    if (index !== 0) return deps;
    const { agents } = deps.storage;
    return {
      ...deps,
      storage: {
        ...deps.storage,
        agents: {
          ...agents,
          // The first fence of a flow registers the new lease; the second is the check right before the reroute.
          fence: async (agentId, token) => {
            if (paused && ++fences === 2) await gate;
            return agents.fence(agentId, token);
          },
        },
      },
      leases: { ...deps.leases, renew: async (lease, ttl) => (paused ? gate.then(() => deps.leases.renew(lease, ttl)) : deps.leases.renew(lease, ttl)) },
    };
  };
  return { wrap, pause: () => void (paused = true), resume: () => release() };
}

async function manualWithReadyStandby(h: Harness) {
  await h.agent('a1');
  await h.settle(h.sefs[1]!.enableManualReplica('a1'));
  await h.settle(h.sefs[1]!.idle());
  const standby = (await h.sef.status('a1')).replica!;
  return h.sef.replicaHeartbeat('a1', standby.instanceId!, 'ready');
}

describe('the reroute is fenced', () => {
  it('a process whose lease lapsed while it was paused before its reroute is refused (StaleFencingTokenError) and moves no traffic; the new holder switches once', async () => {
    const p = pausable();
    const h = createHarness({ instances: 2, wrap: p.wrap });
    const standby = await manualWithReadyStandby(h);
    p.pause();
    const routesBefore = h.cloud.calls.filter((c) => c.method === 'route').length;
    const stale = h.sefs[0]!.manualSwitch('a1');
    stale.catch(() => undefined);
    // sef-1 holds the lease and sits before its check; its lease (15 s) lapses meanwhile.
    await h.clock.advance(20_000);
    const fresh = await h.settle(h.sefs[1]!.manualSwitch('a1'));
    expect(fresh.promoted).toMatchObject({ id: standby.id, status: 'promoted' });
    p.resume();
    const error = await h.settle(stale).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'STALE_FENCING_TOKEN' });
    const routes = h.cloud.calls.filter((c) => c.method === 'route').slice(routesBefore);
    expect(routes).toHaveLength(1);
    expect(await h.settle(h.cloud.router.current('a1'))).toBe(standby.instanceId);
    expect((await h.sef.status('a1')).agent.primaryInstanceId).toBe(standby.instanceId);
  });

});
