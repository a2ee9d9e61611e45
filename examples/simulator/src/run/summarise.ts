import type { ReplicaStatus, SefStorage } from '@sef/core';
import type { World } from '../world/world.js';
import type { InstanceLife } from './observed-cloud.js';
import { agentIdOf, type RunRecord } from './fleet-run.js';
import { policyName, type Policy } from './policies.js';

const hourMs = 3_600_000;

/** One policy's figures over the world's window. Durations in seconds, money in USD. */
export interface PolicyResult {
  readonly policy: string;
  readonly kind: Policy['kind'];
  readonly threshold: number | null;
  /** Termination notices for an agent's serving instance. */
  readonly interruptions: number;
  /** Termination notices for standbys. */
  readonly replicaInterruptions: number;
  readonly failovers: { readonly promoted: number; readonly emergency: number; readonly failed: number };
  /** Workloads relaunched by hand after a failed failover. */
  readonly operatorRecoveries: number;
  readonly downtime: {
    /** Per interruption: from its notice until the workload is served again after the action. */
    readonly p50: number;
    readonly p99: number;
    readonly max: number;
    /** Sum over interruptions. */
    readonly total: number;
    /** All downtime of the fleet, whatever its cause (a proactive move's reroute counts too). */
    readonly allCauses: number;
    /** Each interruption's downtime, sorted (the distribution chart). */
    readonly perInterruption: readonly number[];
  };
  readonly replicas: {
    /** Standbys launched. */
    readonly started: number;
    /** Standbys that ended without being promoted (terminated unused, interrupted, failed, mode off). */
    readonly unused: number;
    /** Hours instances spent as standbys. */
    readonly hours: number;
  };
  readonly cost: {
    readonly total: number;
    /** The same fleet on on-demand instances for the same time. */
    readonly onDemand: number;
    /** total / onDemand. */
    readonly ratio: number;
    /** Cumulative cost at the end of each hour of the window. */
    readonly cumulativeHourly: readonly number[];
  };
  readonly prices: {
    /** Points stored by SEF for the reporting sample, and how many of them are interpolated. */
    readonly points: number;
    readonly interpolated: number;
    readonly interpolatedShare: number;
  };
  /** How well the risk heuristic saw interruptions coming (rebalance recommendations for serving instances). */
  readonly heuristic: {
    readonly rebalances: number;
    /** Interruptions whose instance had a rebalance recommendation before the notice. */
    readonly warned: number;
    /** Warned interruptions scored at or above the threshold (a standby started or already there), auto only. */
    readonly seenComing: number | null;
    /** Standbys started on a rebalance recommendation that ended without being promoted (still up at the end: left out), auto only. */
    readonly startedForNothing: number | null;
  };
  /** SEF's `error` events and failed simulator calls: how many, and the first few distinct messages. */
  readonly errors: { readonly count: number; readonly first: readonly string[] };
}

/** What the fleet would cost on on-demand for the window: each agent's first instance type, all the time. */
export function onDemandCost(world: World): number {
  const hours = (world.end - world.start) / hourMs;
  return world.agentPools.reduce((sum, poolId) => sum + world.prices.onDemandPrice(poolId) * hours, 0);
}

/** Adds each hour's cost of one instance into `hourly` (index 0 = the window's first hour). */
function bill(world: World, life: InstanceLife, hourly: Float64Array): void {
  const from = Math.max(world.start, life.launchedAt);
  const to = Math.min(world.end, life.endedAt ?? world.end);
  for (let t = from; t < to; ) {
    const next = Math.min(to, (Math.floor(t / hourMs) + 1) * hourMs);
    const price = life.market === 'spot' ? world.prices.priceAt(life.poolId, t) : world.prices.onDemandPrice(life.poolId);
    hourly[Math.floor((t - world.start) / hourMs)]! += (price * (next - t)) / hourMs;
    t = next;
  }
}

const activeStatuses: readonly ReplicaStatus[] = ['launching', 'syncing', 'ready'];

/**
 * Standbys started on a rebalance recommendation that ended without being promoted. A replica's cause is
 * the id of the notice that started it (a relaunch adds `:retryN`), so SEF's own notice record tells whether
 * it was a rebalance recommendation. Standbys still up when the run ends are left out: undecided.
 */
async function rebalanceStandbysNeverPromoted(storage: SefStorage): Promise<number> {
  let count = 0;
  for (const agent of await storage.agents.list()) {
    for (const r of await storage.replicas.listByAgent(agent.id)) {
      if (r.status === 'promoted' || activeStatuses.includes(r.status)) continue;
      const notice = await storage.events.getSignal(r.causeId.replace(/:retry\d+$/, ''));
      if (notice?.signalType === 'rebalance-recommendation') count++;
    }
  }
  return count;
}

const quantile = (sorted: readonly number[], q: number): number => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!);
const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** The figures of one run, read from what it recorded, SEF's stores and the cloud's instance lives. */
export async function summarise(record: RunRecord): Promise<PolicyResult> {
  const { world, cloud, ledger, policy } = record;
  const hours = Math.ceil((world.end - world.start) / hourMs);
  const hourly = new Float64Array(hours);
  let replicaMs = 0;
  let started = 0;
  let unused = 0;
  for (const life of cloud.lives.values()) {
    bill(world, life, hourly);
    if (life.role !== 'replica') continue;
    started++;
    if (life.promotedAt === null && life.endedAt !== null) unused++;
    const from = Math.max(world.start, life.launchedAt);
    const to = Math.min(world.end, life.promotedAt ?? life.endedAt ?? world.end);
    if (to > from) replicaMs += to - from;
  }
  let acc = 0;
  const cumulativeHourly = Array.from(hourly, (c) => round((acc += c), 2));
  const total = acc;
  const reference = onDemandCost(world);

  const perInterruption = record.interruptions
    .map((i) => {
      const outages = ledger.outages(i.agentId, world.start, world.end);
      const during = outages.find(([a, b]) => a <= i.actionAt && i.actionAt < b);
      const servedAgain = during ? during[1] : i.actionAt;
      return outages.reduce((s, [a, b]) => s + Math.max(0, Math.min(b, servedAgain) - Math.max(a, i.noticeAt)), 0) / 1000;
    })
    .sort((a, b) => a - b);
  let allCauses = 0;
  for (const agentId of world.agentPools.map((_, i) => agentIdOf(i))) {
    for (const [a, b] of ledger.outages(agentId, world.start, world.end)) allCauses += (b - a) / 1000;
  }

  const flags = await record.sef.storage.prices.countByFlag();
  const points = Object.values(flags).reduce((a, b) => a + b, 0);
  const threshold = policy.kind === 'auto' ? policy.threshold : null;
  const startedForNothing = policy.kind === 'auto' ? await rebalanceStandbysNeverPromoted(record.sef.storage) : null;
  const warned = record.interruptions.filter((i) => i.warning !== null && i.warning.at < i.noticeAt);
  const o = record.outcomes;
  return {
    policy: policyName(policy),
    kind: policy.kind,
    threshold,
    interruptions: record.interruptions.length,
    replicaInterruptions: record.replicaInterruptions,
    failovers: { promoted: o['promoted'] ?? 0, emergency: (o['emergency_recovery'] ?? 0) + (o['synced_into_replica'] ?? 0), failed: o['failed'] ?? 0 },
    operatorRecoveries: record.operatorRecoveries,
    downtime: {
      p50: round(quantile(perInterruption, 0.5), 1),
      p99: round(quantile(perInterruption, 0.99), 1),
      max: round(perInterruption.at(-1) ?? 0, 1),
      total: round(perInterruption.reduce((a, b) => a + b, 0), 1),
      allCauses: round(allCauses, 1),
      perInterruption: perInterruption.map((d) => round(d, 1)),
    },
    replicas: { started, unused, hours: round(replicaMs / hourMs, 1) },
    cost: { total: round(total, 2), onDemand: round(reference, 2), ratio: round(total / reference, 4), cumulativeHourly },
    prices: { points, interpolated: flags.interpolated, interpolatedShare: points === 0 ? 0 : round(flags.interpolated / points, 6) },
    heuristic: {
      rebalances: record.rebalances.length,
      warned: warned.length,
      seenComing: threshold === null ? null : warned.filter((i) => i.warning!.score !== null && i.warning!.score >= threshold).length,
      startedForNothing,
    },
    errors: { count: record.errors.length, first: [...new Set(record.errors)].slice(0, 5) },
  };
}

/** The on-demand reference: no interruption, no standby, the on-demand bill. */
export function onDemandResult(world: World): PolicyResult {
  const hours = Math.ceil((world.end - world.start) / hourMs);
  const perHour = onDemandCost(world) / ((world.end - world.start) / hourMs);
  const reference = round(onDemandCost(world), 2);
  return {
    policy: 'on-demand', kind: 'on-demand', threshold: null, interruptions: 0, replicaInterruptions: 0,
    failovers: { promoted: 0, emergency: 0, failed: 0 }, operatorRecoveries: 0,
    downtime: { p50: 0, p99: 0, max: 0, total: 0, allCauses: 0, perInterruption: [] },
    replicas: { started: 0, unused: 0, hours: 0 },
    cost: { total: reference, onDemand: reference, ratio: 1, cumulativeHourly: Array.from({ length: hours }, (_, i) => round(perHour * Math.min(i + 1, (world.end - world.start) / hourMs), 2)) },
    prices: { points: 0, interpolated: 0, interpolatedShare: 0 },
    heuristic: { rebalances: 0, warned: 0, seenComing: null, startedForNothing: null },
    errors: { count: 0, first: [] },
  };
}
