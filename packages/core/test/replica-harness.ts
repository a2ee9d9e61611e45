import { createFakeClock, type FakeClock } from '../src/clock/index.js';
import { UnavailableError } from '../src/errors/index.js';
import { parseConfig, type SefConfigInput } from '../src/config/index.js';
import type { SefEvents } from '../src/events/event-map.js';
import { createReplicaManager, type ReplicaManager, type ReplicaManagerDeps } from '../src/failover/index.js';
import { createMemoryAgentStore } from '../src/memory/agent-store.js';
import { createMemoryEventStore } from '../src/memory/event-store.js';
import { FenceRegistry } from '../src/memory/fence-registry.js';
import { createMemoryLeaseManager } from '../src/memory/lease-manager.js';
import { createMemoryPoolStore } from '../src/memory/pool-store.js';
import { createMemoryReplicaStore } from '../src/memory/replica-store.js';
import type { InstanceInfo, LaunchRequest } from '../src/ports/compute-provider.js';
import type { PriceStore } from '../src/ports/price-store.js';
import type { RiskModel } from '../src/ports/risk-model.js';
import type { SefStorage } from '../src/ports/storage.js';
import type { AgentModes, AgentRecord } from '../src/ports/types.js';
import { createSimulatedCloud, type SimLatencies, type SimulatedCloud } from '../src/sim/cloud.js';
import { simulatedPools } from '../src/sim/pool-catalog.js';

export const T0 = Date.UTC(2026, 0, 1, 12);
export const POOL = 'us-east-1a:c5.large';

export interface Emitted {
  readonly name: keyof SefEvents;
  readonly payload: unknown;
}

export interface Harness {
  readonly clock: FakeClock;
  readonly cloud: SimulatedCloud;
  readonly storage: SefStorage;
  /** One manager per SEF instance, all sharing the stores, the leases and the cloud. */
  readonly sefs: readonly ReplicaManager[];
  readonly sef: ReplicaManager;
  readonly events: Emitted[];
  of<K extends keyof SefEvents>(name: K): Parameters<SefEvents[K]>[0][];
  /** Creates an agent whose primary runs in the simulated cloud. */
  agent(id: string, extra?: { modes?: Partial<AgentModes>; launchedAt?: number; poolId?: string }): Promise<AgentRecord>;
  /** Advances the fake clock until `p` settles (timers fire in order, so times stay exact). */
  settle<T>(p: Promise<T>, stepMs?: number, maxMs?: number): Promise<T>;
  /**
   * SEF instance `index` crashes: every call its process makes from now on (stores, leases, cloud) fails
   * as if it were gone, its in-memory state is lost, and a fresh process takes its place in `sefs`.
   */
  crash(index: number): void;
}

export interface HarnessOptions {
  instances?: number;
  latencies?: Partial<SimLatencies>;
  config?: SefConfigInput;
  riskModel?: RiskModel;
  /** Changes the dependencies of SEF instance `index` (a paused process, a lease manager of its own). */
  wrap?: (index: number, deps: ReplicaManagerDeps) => ReplicaManagerDeps;
}

export function createHarness(options: HarnessOptions = {}): Harness {
  const clock = createFakeClock(T0);
  const cloud = createSimulatedCloud({ clock, seed: 7, ...(options.latencies ? { latencies: options.latencies } : {}) });
  const fences = new FenceRegistry();
  const storage: SefStorage = {
    prices: {} as PriceStore, // not used by replica management
    agents: createMemoryAgentStore({ fences, clock }),
    pools: createMemoryPoolStore(simulatedPools()),
    replicas: createMemoryReplicaStore({ fences, clock }),
    events: createMemoryEventStore({ fences }),
    ping: async () => true,
  };
  const leases = createMemoryLeaseManager({ clock });
  const config = parseConfig(options.config ?? {});
  const events: Emitted[] = [];
  const emit = ((name: keyof SefEvents, payload: unknown) => void events.push({ name, payload })) as never;
  const kills: (() => void)[] = [];
  let restarts = 0;
  const spawn = (i: number): ReplicaManager => {
    const process = mortal({
      storage, compute: cloud.compute, priceFeed: cloud.priceFeed, router: cloud.router, leases, clock, config, emit, owner: kills[i] ? `sef-${i + 1}-restart${++restarts}` : `sef-${i + 1}`,
      ...(options.riskModel ? { riskModel: options.riskModel } : {}),
    });
    kills[i] = process.kill;
    return createReplicaManager(options.wrap ? options.wrap(i, process.deps) : process.deps);
  };
  const sefs = Array.from({ length: options.instances ?? 1 }, (_, i) => spawn(i));
  const settle = async <T>(p: Promise<T>, stepMs = 250, maxMs = 3_600_000): Promise<T> => {
    let done = false;
    const tracked = p.finally(() => void (done = true));
    tracked.catch(() => {});
    const end = clock.now() + maxMs;
    for (;;) {
      await clock.advance(0);
      if (done || clock.now() >= end) break;
      await clock.advance(stepMs);
    }
    return tracked;
  };
  return {
    clock, cloud, storage, sefs, events,
    get sef() {
      return sefs[0]!;
    },
    crash(index) {
      kills[index]?.();
      sefs[index] = spawn(index);
    },
    of: (name) => events.filter((e) => e.name === name).map((e) => e.payload) as never,
    async agent(id, extra = {}) {
      const poolId = extra.poolId ?? POOL;
      const launchedAt = extra.launchedAt ?? T0 - 3_600_000;
      cloud.compute.addRunning({ instanceId: `i-${id}`, poolId, agentId: id, launchedAt });
      return storage.agents.create({
        id, region: 'us-east-1', poolId, primaryInstanceId: `i-${id}`, primaryLaunchedAt: launchedAt,
        modes: { autoSwitch: false, autoTerminate: false, manualReplica: false, ...extra.modes },
      });
    },
    settle,
  };
}

/** A process's view of the shared dependencies, which it can lose at once (`kill`): then every call rejects. */
/**
 * Wraps the stores, the lease manager and the router of `deps` so that every call is appended to `calls`
 * as `store.method` (`agents.get`, `leases.acquire`, `router.route`) when it starts: what a flow asks of
 * its dependencies, in order (each store call is a round trip on a real backend).
 */
export function recordCalls(deps: ReplicaManagerDeps, calls: string[]): ReplicaManagerDeps {
  const logged = <T extends object>(name: string, target: T): T =>
    new Proxy(target, {
      get(t, key, receiver) {
        const value: unknown = Reflect.get(t, key, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push(`${name}.${String(key)}`);
          return (value as (...a: unknown[]) => unknown).apply(t, args);
        };
      },
    });
  const { storage } = deps;
  return {
    ...deps,
    storage: { ...storage, agents: logged('agents', storage.agents), replicas: logged('replicas', storage.replicas), events: logged('events', storage.events), pools: logged('pools', storage.pools) },
    leases: logged('leases', deps.leases),
    router: logged('router', deps.router),
  };
}

function mortal(deps: ReplicaManagerDeps): { deps: ReplicaManagerDeps; kill: () => void } {
  let dead = false;
  const gone = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(t, key, receiver) {
        const value: unknown = Reflect.get(t, key, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => (dead ? Promise.reject(new UnavailableError(`process ${deps.owner} crashed`)) : (value as (...a: unknown[]) => unknown).apply(t, args));
      },
    });
  const storage: SefStorage = {
    ...deps.storage,
    agents: gone(deps.storage.agents), replicas: gone(deps.storage.replicas), events: gone(deps.storage.events), pools: gone(deps.storage.pools),
  };
  return {
    deps: { ...deps, storage, compute: gone(deps.compute), router: gone(deps.router), priceFeed: gone(deps.priceFeed), leases: gone(deps.leases), emit: ((...args: unknown[]) => void (dead || (deps.emit as (...a: unknown[]) => void)(...args))) as ReplicaManagerDeps['emit'] },
    kill: () => void (dead = true),
  };
}

/**
 * A process' deps whose compute dies right after a launch goes through, before the process records it
 * (kill -9 at the worst moment): `crash` kills the process, `launched` sees each launch that went through,
 * `before` runs ahead of each launch (to inject a fault).
 */
export function crashAfterLaunch(
  deps: ReplicaManagerDeps,
  crash: () => void,
  hooks: { launched: (request: LaunchRequest, info: InstanceInfo) => void; before?: (request: LaunchRequest) => void },
): ReplicaManagerDeps {
  const { compute } = deps;
  return {
    ...deps,
    compute: {
      ...compute,
      async launch(request, options) {
        hooks.before?.(request);
        const info = await compute.launch(request, options);
        hooks.launched(request, info);
        crash();
        return info;
      },
    },
  };
}
