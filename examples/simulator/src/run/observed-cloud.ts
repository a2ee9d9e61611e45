import type { ComputeProvider, Market, PriceFeed, Router, SimulatedCloud } from '@sef/core';
import type { ServiceLedger } from './service-ledger.js';

/** One instance's life, as the bill and the replica figures see it. */
export interface InstanceLife {
  readonly instanceId: string;
  readonly agentId: string;
  readonly poolId: string;
  readonly market: Market;
  /** How it was launched: a standby (`replica`) or a workload's instance (`primary`, emergency restores too). */
  readonly role: 'primary' | 'replica';
  readonly launchedAt: number;
  endedAt: number | null;
  /** When a standby became the primary. */
  promotedAt: number | null;
}

/** The simulated cloud as SEF sees it, watched: every instance's life, and the agents' service. */
export interface ObservedCloud {
  readonly compute: ComputeProvider;
  readonly priceFeed: PriceFeed;
  readonly router: Router;
  readonly lives: ReadonlyMap<string, InstanceLife>;
  /** Live spot instances of a pool (launched, not yet terminated), in launch order. */
  liveIn(poolId: string): InstanceLife[];
  /** An instance that already runs (an agent's first primary, an operator's relaunch). */
  addRunning(instanceId: string, agentId: string, poolId: string): InstanceLife;
  /** The world takes an instance away (a spot interruption's action). */
  reclaim(instanceId: string): void;
  promoted(instanceId: string): void;
}

export interface ObservedCloudOptions {
  readonly cloud: SimulatedCloud;
  readonly ledger: ServiceLedger;
  readonly now: () => number;
  /** Called once a standby's launch was accepted (its agent will report it ready when it has synced). */
  readonly onReplicaLaunched: (agentId: string, instanceId: string) => void;
}

/**
 * Wraps the simulated cloud's compute and router so that the simulator sees what SEF does to the cloud:
 * launches and terminations (the bill), snapshots and reroutes (the workload's service). SEF calls go to
 * the simulated cloud unchanged.
 */
export function observeCloud(o: ObservedCloudOptions): ObservedCloud {
  const { cloud, ledger, now } = o;
  const lives = new Map<string, InstanceLife>();
  const live = new Map<string, Set<string>>();

  const begin = (life: InstanceLife) => {
    lives.set(life.instanceId, life);
    if (life.market === 'spot') {
      let set = live.get(life.poolId);
      if (!set) live.set(life.poolId, (set = new Set()));
      set.add(life.instanceId);
    }
    return life;
  };
  const end = (instanceId: string) => {
    const life = lives.get(instanceId);
    if (!life || life.endedAt !== null) return;
    life.endedAt = now();
    live.get(life.poolId)?.delete(instanceId);
    ledger.instanceGone(instanceId, life.agentId);
  };

  const compute: ComputeProvider = {
    capabilities: cloud.compute.capabilities,
    expectedLatencies: cloud.compute.expectedLatencies,
    async launch(request, options) {
      const info = await cloud.compute.launch(request, options);
      if (!lives.has(info.instanceId)) {
        begin({ instanceId: info.instanceId, agentId: request.agentId, poolId: info.poolId, market: info.market, role: request.role, launchedAt: info.launchedAt, endedAt: null, promotedAt: null });
        if (request.role === 'replica') o.onReplicaLaunched(request.agentId, info.instanceId);
      }
      return info;
    },
    waitUntilRunning: (instanceId, options) => cloud.compute.waitUntilRunning(instanceId, options),
    async terminate(instanceId, options) {
      await cloud.compute.terminate(instanceId, options);
      end(instanceId);
    },
    snapshot(instanceId, options) {
      const life = lives.get(instanceId);
      if (life) ledger.frozen(life.agentId);
      return cloud.compute.snapshot(instanceId, options);
    },
    describe: (instanceId, options) => cloud.compute.describe(instanceId, options),
    restoreInto: (instanceId, snapshotIds, options) => cloud.compute.restoreInto(instanceId, snapshotIds, options),
    listLaunched: (options) => cloud.compute.listLaunched(options),
  };

  const router: Router = {
    async route(agentId, instanceId, options) {
      ledger.rerouteStarted(agentId);
      try {
        await cloud.router.route(agentId, instanceId, options);
      } catch (error) {
        ledger.rerouteEnded(agentId, null);
        throw error;
      }
      ledger.rerouteEnded(agentId, instanceId);
    },
    current: (agentId, options) => cloud.router.current(agentId, options),
  };

  return {
    compute,
    priceFeed: cloud.priceFeed,
    router,
    lives,
    liveIn: (poolId) => [...(live.get(poolId) ?? [])].map((id) => lives.get(id)!),
    addRunning(instanceId, agentId, poolId) {
      cloud.compute.addRunning({ instanceId, poolId, agentId, launchedAt: now() });
      return begin({ instanceId, agentId, poolId, market: 'spot', role: 'primary', launchedAt: now(), endedAt: null, promotedAt: null });
    },
    reclaim(instanceId) {
      end(instanceId);
      // The cloud's own record follows (its terminate call has a latency; nobody waits for it).
      void cloud.compute.terminate(instanceId).catch(() => {});
    },
    promoted(instanceId) {
      const life = lives.get(instanceId);
      if (life && life.promotedAt === null) life.promotedAt = now();
    },
  };
}
