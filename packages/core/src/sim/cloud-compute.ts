import { ProviderError } from '../errors/index.js';
import type { CallOptions, ComputeProvider, ExpectedLatencies, InstanceInfo, LaunchedInstance, LaunchRequest } from '../ports/compute-provider.js';
import type { Role } from '../ports/types.js';

interface SimInstance {
  readonly instanceId: string;
  readonly poolId: string;
  readonly market: LaunchRequest['market'];
  readonly launchedAt: number;
  readonly runningAt: number;
  readonly agentId: string;
  /** Set for instances SEF launched (they carry its tags); an agent's first primary has none. */
  readonly role: Role | null;
  /** The launch request's cause, if it named one. */
  readonly causeId?: string;
  /** The snapshots it was launched from, or those last restored into it. */
  snapshotIds: readonly string[];
  terminatedAt: number | null;
}

export interface SimulatedComputeOptions {
  readonly now: () => number;
  /** Latency, hang faults and the call log of the cloud. */
  readonly call: <T>(method: string, options: CallOptions | undefined, act: () => T | Promise<T>) => Promise<T>;
  /** Sleeps on the cloud's clock until `at`. */
  readonly sleepUntil: (at: number, options: CallOptions | undefined) => Promise<void>;
  /** Time from an accepted launch of `request` to `running` (ms). */
  readonly bootMs: (request: LaunchRequest) => number;
  /** Throws the injected launch faults for this pool, if any. */
  readonly launchFault: (poolId: string, market: LaunchRequest['market']) => void;
  /** The first 9 hex digits of every instance id this cloud launches (the last 8 count launches). */
  readonly instanceIdPrefix: string;
  /** Throws the injected terminate faults, if any. */
  readonly terminateFault: (instanceId: string) => void;
  /** See `ComputeProvider.expectedLatencies`. */
  readonly expectedLatencies: ExpectedLatencies;
}

/** The simulated compute part of the cloud, with its instance table (for tests to inspect). */
export interface SimulatedCompute extends ComputeProvider {
  /** Every instance ever launched or added. */
  instances(): InstanceInfo[];
  /** One instance launched or added, by id (no latency, no call logged: for the cloud itself and tests). */
  instance(instanceId: string): InstanceInfo | undefined;
  /** Registers an instance that already runs (an agent's first primary). */
  addRunning(instance: { instanceId: string; poolId: string; agentId: string; launchedAt?: number }): InstanceInfo;
  /** The snapshots an instance was launched from or last restored into (emergency restores). */
  restoredFrom(instanceId: string): readonly string[];
}

/** See `createSimulatedCloud`. Idempotency tokens map to the first call's result for every mutating call. */
export function createSimulatedCompute(o: SimulatedComputeOptions): SimulatedCompute {
  const table = new Map<string, SimInstance>();
  // The instances SEF launched that are not terminated, in launch order: what `listLaunched` answers, every
  // reconciliation sweep, without walking every instance the cloud ever had.
  const launchedLive = new Map<string, SimInstance & { readonly role: Role }>();
  const byToken = new Map<string, unknown>();
  let seq = 0;

  const info = (i: SimInstance): InstanceInfo => {
    const now = o.now();
    const state = i.terminatedAt !== null ? 'terminated' : now >= i.runningAt ? 'running' : 'pending';
    return { instanceId: i.instanceId, poolId: i.poolId, market: i.market, state, launchedAt: i.launchedAt };
  };
  const once = async <T>(token: string | undefined, kind: string, act: () => T | Promise<T>): Promise<T> => {
    if (token === undefined) return act();
    const key = `${kind}|${token}`;
    if (byToken.has(key)) return byToken.get(key) as T;
    const value = await act();
    byToken.set(key, value);
    return value;
  };
  const need = (instanceId: string): SimInstance => {
    const i = table.get(instanceId);
    if (!i) throw new ProviderError(`InvalidInstanceID.NotFound: ${instanceId}`);
    return i;
  };

  return {
    capabilities: { snapshots: true, onDemand: true, restoreInto: true },
    expectedLatencies: o.expectedLatencies,
    launch(request, options) {
      return o.call('launch', options, () =>
        once(options?.idempotencyToken, 'launch', () => {
          o.launchFault(request.poolId, request.market);
          const now = o.now();
          const instanceId = `i-${o.instanceIdPrefix}${(++seq).toString(16).padStart(8, '0')}`;
          const i: SimInstance = {
            instanceId, poolId: request.poolId, market: request.market, launchedAt: now, runningAt: now + o.bootMs(request),
            agentId: request.agentId, role: request.role, snapshotIds: request.snapshotIds ?? [], terminatedAt: null,
            ...(request.causeId !== undefined ? { causeId: request.causeId } : {}),
          };
          table.set(instanceId, i);
          if (i.role !== null) launchedLive.set(instanceId, i as SimInstance & { readonly role: Role });
          return info(i);
        }),
      );
    },
    waitUntilRunning(instanceId, options) {
      return o.call('waitUntilRunning', options, async () => {
        const i = need(instanceId);
        await o.sleepUntil(i.runningAt, options);
        if (i.terminatedAt !== null) throw new ProviderError(`Instance ${instanceId} terminated before it ran`);
        return info(i);
      });
    },
    terminate(instanceId, options) {
      return o.call('terminate', options, () => {
        const i = need(instanceId);
        o.terminateFault(instanceId);
        if (i.terminatedAt === null) i.terminatedAt = o.now();
        launchedLive.delete(instanceId);
      });
    },
    snapshot(instanceId, options) {
      return o.call('snapshot', options, () =>
        once(options?.idempotencyToken, 'snapshot', () => {
          const i = need(instanceId);
          if (i.terminatedAt !== null) throw new ProviderError(`Instance ${instanceId} is terminated`);
          return { snapshotIds: [`snap-${instanceId.slice(2)}-${(++seq).toString(16)}`] };
        }),
      );
    },
    restoreInto(instanceId, snapshotIds, options) {
      return o.call('restoreInto', options, () =>
        once(options?.idempotencyToken, 'restoreInto', () => {
          const i = need(instanceId);
          if (i.terminatedAt !== null || o.now() < i.runningAt) throw new ProviderError(`Cannot restore into ${instanceId}: not running`);
          i.snapshotIds = [...snapshotIds];
        }),
      );
    },
    describe(instanceId, options) {
      return o.call('describe', options, () => {
        const i = table.get(instanceId);
        return i ? info(i) : undefined;
      });
    },
    listLaunched(options) {
      return o.call('listLaunched', options, () => {
        const now = o.now();
        const out: LaunchedInstance[] = [];
        for (const i of launchedLive.values()) {
          out.push({
            instanceId: i.instanceId, poolId: i.poolId, market: i.market, state: now >= i.runningAt ? 'running' : 'pending', launchedAt: i.launchedAt, agentId: i.agentId, role: i.role,
            ...(i.causeId !== undefined ? { causeId: i.causeId } : {}),
          });
        }
        return out;
      });
    },
    instances: () => [...table.values()].map(info),
    instance: (instanceId) => {
      const i = table.get(instanceId);
      return i && info(i);
    },
    addRunning({ instanceId, poolId, agentId, launchedAt }) {
      const at = launchedAt ?? o.now();
      const i: SimInstance = { instanceId, poolId, market: 'spot', launchedAt: at, runningAt: at, agentId, role: null, snapshotIds: [], terminatedAt: null };
      table.set(instanceId, i);
      return info(i);
    },
    restoredFrom: (instanceId) => table.get(instanceId)?.snapshotIds ?? [],
  };
}

