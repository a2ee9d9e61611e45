import { CapacityError, PoolUnusableError, ProviderError } from '../errors/index.js';
import type { Clock } from '../ports/clock.js';
import type { CallOptions } from '../ports/compute-provider.js';
import type { PriceFeed } from '../ports/price-feed.js';
import type { Router } from '../ports/router.js';
import type { PoolRecord } from '../ports/types.js';
import { createSimulatedCompute, type SimulatedCompute } from './cloud-compute.js';
import { createSimulatedPriceFeed, createSimulatedPrices, type SimulatedPrices } from './cloud-prices.js';
import { createSimulatedSignalSource, type SimulatedSignalSource } from './cloud-signals.js';
import { SeededRandom } from './fleet-random.js';
import { simulatedPools } from './pool-catalog.js';

export type SimMethod = 'launch' | 'waitUntilRunning' | 'terminate' | 'snapshot' | 'restoreInto' | 'describe' | 'listLaunched' | 'route' | 'current' | 'candidatePools' | 'priceHistory';

/**
 * Latency of each call on the cloud's clock (ms); `boot` is launch-accepted to running, and `restore` is
 * added to `boot` for an instance launched from snapshots (its volumes are created from them first).
 */
export type SimLatencies = Readonly<Record<SimMethod | 'boot' | 'restore', number>>;

/**
 * Latencies seen on EC2 (launch accepted in ~1 s, running after ~40 s, EIP reassociation ~2 s; volumes
 * from snapshots created and attached to a running instance in ~15 s).
 */
export const realisticLatencies: SimLatencies = Object.freeze({
  launch: 1_200, boot: 40_000, restore: 0, waitUntilRunning: 0, terminate: 800, snapshot: 1_500, restoreInto: 15_000, describe: 300, listLaunched: 500,
  route: 2_000, current: 200, candidatePools: 400, priceHistory: 300,
});

export const zeroLatencies: SimLatencies = Object.freeze({
  launch: 0, boot: 0, restore: 0, waitUntilRunning: 0, terminate: 0, snapshot: 0, restoreInto: 0, describe: 0, listLaunched: 0, route: 0, current: 0, candidatePools: 0, priceHistory: 0,
});

/** Faults to inject; each holds until cleared. */
export interface SimFaults {
  /** The next `count` launches fail with `ProviderError`. */
  failLaunches(count: number): void;
  /**
   * The next `count` terminates fail with a retryable `ProviderError` and leave the instance running; with
   * `which`, only terminates of instances it accepts fail (and count).
   */
  failTerminates(count: number, which?: (instanceId: string) => boolean): void;
  /** Launches of spot instances in `poolId` fail with `CapacityError` while `on`. */
  noCapacity(poolId: string, on?: boolean): void;
  /** Launches in `poolId` (any market) fail with `PoolUnusableError` while `on`, like an AZ without a subnet. */
  unusablePool(poolId: string, on?: boolean): void;
  /** Calls of `method` never answer (they reject only when their signal aborts) while `on`. */
  hang(method: SimMethod, on?: boolean): void;
  clear(): void;
}

export interface SimulatedCloudOptions {
  readonly clock: Clock;
  /** Seed of the price model and of the latency spread. @default 1 */
  readonly seed?: number;
  /** @default zeroLatencies */
  readonly latencies?: Partial<SimLatencies>;
  /**
   * Spread of every latency: each call (and each boot) takes its latency times a factor drawn uniformly
   * from [1 − spread, 1 + spread], from a PRNG seeded with `seed`. In [0, 1). @default 0
   */
  readonly latencySpread?: number;
  /** The spot price model behind `priceFeed` and `prices`. @default createSimulatedPrices(seed) */
  readonly prices?: SimulatedPrices;
  /** @default simulatedPools() */
  readonly pools?: readonly PoolRecord[];
  /** Called at the start of every call, before any latency (benchmarks time the first provider call with it). */
  readonly onCall?: (method: SimMethod, options: CallOptions | undefined) => void;
  /** Most calls kept in `calls` (the oldest go first), so a long-running simulated cloud does not grow. @default 10000 */
  readonly maxCallLog?: number;
  /**
   * The first 9 hex digits of the ids of launched instances (`i-` + 17 hex digits, like EC2's); the
   * last 8 count launches. Random by default, so two clouds (a restart, another process) never hand out
   * the same id. @default 9 random hex digits
   */
  readonly instanceIdPrefix?: string;
}

export interface SimulatedCloud {
  readonly compute: SimulatedCompute;
  readonly priceFeed: PriceFeed;
  readonly router: Router;
  readonly signals: SimulatedSignalSource;
  readonly prices: SimulatedPrices;
  readonly faults: SimFaults;
  /** The latest calls (up to `maxCallLog`), in order: method, time, idempotency token. */
  readonly calls: readonly { method: SimMethod; at: number; token?: string }[];
}

/**
 * A simulated cloud behind the ports: compute, prices, routing and signals, with latencies on the given
 * clock, injectable faults, idempotency tokens honoured, and deterministic prices from a seed.
 * @example
 * const clock = createFakeClock(Date.UTC(2026, 0, 1));
 * const cloud = createSimulatedCloud({ clock, latencies: realisticLatencies });
 * cloud.faults.noCapacity('us-east-1a:c5.large');
 * const sef = createReplicaManager({ ...deps, compute: cloud.compute, priceFeed: cloud.priceFeed, router: cloud.router });
 */
export function createSimulatedCloud(options: SimulatedCloudOptions): SimulatedCloud {
  const { clock } = options;
  const latency: SimLatencies = { ...zeroLatencies, ...options.latencies };
  const spread = options.latencySpread ?? 0;
  if (!(spread >= 0 && spread < 1)) throw new RangeError(`latencySpread must be in [0, 1) (got ${String(spread)})`);
  const random = new SeededRandom(options.seed ?? 1);
  const draw = (ms: number) => (spread === 0 || ms === 0 ? ms : Math.round(ms * (1 + random.spread(spread))));
  const pools = options.pools ?? simulatedPools();
  const hanging = new Set<SimMethod>();
  const noCapacity = new Set<string>();
  const unusable = new Set<string>();
  let failingLaunches = 0;
  let failingTerminates = { count: 0, which: (_: string): boolean => true };
  const calls: { method: SimMethod; at: number; token?: string }[] = [];
  const maxCallLog = options.maxCallLog ?? 10_000;

  const hang = (signal: AbortSignal | undefined) =>
    new Promise<never>((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true }));
  const wait = async (ms: number, o: CallOptions | undefined) => {
    if (o?.signal?.aborted) throw o.signal.reason;
    if (ms > 0) await clock.sleep(ms, o?.signal);
  };
  const call = async <T>(method: string, o: CallOptions | undefined, act: () => T | Promise<T>): Promise<T> => {
    const m = method as SimMethod;
    options.onCall?.(m, o);
    calls.push({ method: m, at: clock.now(), ...(o?.idempotencyToken ? { token: o.idempotencyToken } : {}) });
    if (calls.length > maxCallLog) calls.splice(0, calls.length - maxCallLog);
    if (hanging.has(m)) return hang(o?.signal);
    await wait(draw(latency[m]), o);
    return act();
  };

  const compute = createSimulatedCompute({
    now: () => clock.now(),
    call,
    sleepUntil: (at, o) => wait(at - clock.now(), o),
    bootMs: (request) => draw(latency.boot) + ((request.snapshotIds?.length ?? 0) > 0 ? draw(latency.restore) : 0),
    instanceIdPrefix: options.instanceIdPrefix ?? randomHex(9),
    // The configured latencies, without the spread: what a planner can know in advance.
    expectedLatencies: {
      snapshot: latency.snapshot,
      launchFromSnapshots: latency.launch + latency.boot + latency.restore + latency.waitUntilRunning,
      restoreInto: latency.restoreInto,
      route: latency.route,
    },
    launchFault(poolId, market) {
      if (unusable.has(poolId)) throw new PoolUnusableError(poolId, `No subnet for ${poolId}'s availability zone`);
      if (failingLaunches > 0) {
        failingLaunches--;
        throw new ProviderError('Simulated launch failure (InternalError)', { retryable: true });
      }
      if (market === 'spot' && noCapacity.has(poolId)) throw new CapacityError(poolId, `InsufficientInstanceCapacity in ${poolId}`);
    },
    terminateFault(instanceId) {
      if (failingTerminates.count > 0 && failingTerminates.which(instanceId)) {
        failingTerminates.count--;
        throw new ProviderError(`Simulated terminate failure of ${instanceId} (InternalError)`, { retryable: true });
      }
    },
  });
  const prices = options.prices ?? createSimulatedPrices(options.seed ?? 1);
  const routes = new Map<string, string>();

  return {
    compute,
    priceFeed: createSimulatedPriceFeed({ prices, pools, now: () => clock.now(), call }),
    router: {
      route: (agentId, instanceId, o) =>
        call('route', o, () => {
          const i = compute.instance(instanceId);
          if (!i || i.state === 'terminated') throw new ProviderError(`Cannot route to ${instanceId}: not running`);
          routes.set(agentId, instanceId);
        }),
      current: (agentId, o) => call('current', o, () => routes.get(agentId)),
    },
    signals: createSimulatedSignalSource(clock),
    prices,
    faults: {
      failLaunches: (count) => void (failingLaunches = count),
      failTerminates: (count, which = () => true) => void (failingTerminates = { count, which }),
      noCapacity: (poolId, on = true) => void (on ? noCapacity.add(poolId) : noCapacity.delete(poolId)),
      unusablePool: (poolId, on = true) => void (on ? unusable.add(poolId) : unusable.delete(poolId)),
      hang: (method, on = true) => void (on ? hanging.add(method) : hanging.delete(method)),
      clear() {
        failingLaunches = 0;
        failingTerminates = { count: 0, which: () => true };
        noCapacity.clear();
        unusable.clear();
        hanging.clear();
      },
    },
    calls,
  };
}

/** `digits` random hex digits (Web Crypto, as in Node 20 and browsers: no I/O). */
function randomHex(digits: number): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(Math.ceil(digits / 2)));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('').slice(0, digits);
}
