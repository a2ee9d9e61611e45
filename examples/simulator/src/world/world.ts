import { SeededRandom, simulatedInstanceTypes, simulatedPools, unitHash, type PoolRecord, type SimulatedPrices } from '@sef/core';
import { defaultWorldOptions, worldOptionProblems, type ResolvedWorldOptions, type WorldOptions } from './world-options.js';
import { createWorldPrices } from './world-prices.js';

const minuteMs = 60_000;
const dayMs = 86_400_000;
/** The Advisor's bands are "per month": 30 days here. */
export const monthMs = 30 * dayMs;

/** A spot pool of the world with its interruption band. */
export interface WorldPool extends PoolRecord {
  /** Index into `bands`. */
  readonly band: number;
  /** Share of instances interrupted per month (inside the band). */
  readonly monthlyFrequency: number;
  readonly onDemandPrice: number;
}

/** One capacity shortage of a pool: who is warned when, and when the reclaimed instances go. */
export interface Crunch {
  readonly id: number;
  readonly poolId: string;
  /** Termination (the notices' action time), ms. */
  readonly actionAt: number;
  readonly noticeAt: number;
  /** When the pool's instances get their rebalance recommendation (the notice time when unwarned). */
  readonly rebalanceAt: number;
  readonly warned: boolean;
}

export type WorldEvent =
  | { readonly kind: 'rebalance'; readonly at: number; readonly poolId: string; readonly crunch: Crunch | null }
  | { readonly kind: 'notice'; readonly at: number; readonly poolId: string; readonly crunch: Crunch }
  | { readonly kind: 'action'; readonly at: number; readonly poolId: string; readonly crunch: Crunch }
  | { readonly kind: 'capacity'; readonly at: number; readonly poolId: string; readonly available: boolean };

export interface World {
  readonly options: ResolvedWorldOptions;
  readonly start: number;
  readonly end: number;
  readonly pools: readonly WorldPool[];
  /** The pool each agent starts in. */
  readonly agentPools: readonly string[];
  readonly crunches: readonly Crunch[];
  /** Every event of the world, in time order (ties in generation order). */
  readonly events: readonly WorldEvent[];
  readonly prices: SimulatedPrices;
  /** Whether `crunch` reclaims `instanceId` (a fixed draw per instance and crunch, independent of order). */
  reclaims(crunch: Crunch, instanceId: string): boolean;
}

/** Instance sizes agents run on (the catalog's small t3 sizes are left out: nothing to fail over to). */
const agentSizes = new Set(['large', 'xlarge', '2xlarge', '4xlarge']);

/** Throws a `RangeError` naming every bad option. */
export function resolveWorldOptions(options: WorldOptions = {}): ResolvedWorldOptions {
  const o = { ...defaultWorldOptions, ...options };
  const problems = worldOptionProblems(o);
  if (problems.length > 0) throw new RangeError(`Invalid world: ${problems.join('; ')}`);
  return o;
}

/** Exponential waiting time with `ratePerMs`, from a uniform draw. */
const exponential = (random: SeededRandom, ratePerMs: number) => -Math.log(1 - random.next()) / ratePerMs;

/**
 * The simulated world, a pure function of its options: pools of us-east-1 with an Advisor band each,
 * capacity crunches that reclaim a share of a pool's instances (rebalance recommendations first, then the
 * termination notice two minutes before the action), false-alarm rebalance episodes, and spot prices that
 * wander and rise before a crunch.
 * @example
 * const world = createWorld({ seed: 7, agents: 10, days: 2 });
 * for (const e of world.events) console.log(new Date(e.at).toISOString(), e.kind, e.poolId);
 */
export function createWorld(options: WorldOptions = {}): World {
  const o = resolveWorldOptions(options);
  const random = new SeededRandom(o.seed);
  const start = o.start;
  const end = start + o.days * dayMs;

  const pools: WorldPool[] = simulatedPools()
    .filter((p) => p.region === 'us-east-1')
    .map((p) => {
      const band = pickShare(random, o.bandShares);
      const [lo, hi] = o.bands[band]!;
      return { ...p, band, monthlyFrequency: (lo + (hi - lo) * random.next()) / 100, onDemandPrice: simulatedInstanceTypes[p.instanceType] ?? 0.1 };
    });

  const crunches: Crunch[] = [];
  const falseAlarms: { poolId: string; at: number }[] = [];
  const [leadLo, leadHi] = o.rebalanceLeadMinutes;
  const noticeMs = o.noticeSeconds * 1000;
  for (const pool of pools) {
    const crunchRate = pool.monthlyFrequency / o.reclaimShare / monthMs;
    if (crunchRate <= 0) continue;
    for (let t = start + exponential(random, crunchRate); t < end; t += exponential(random, crunchRate)) {
      const actionAt = Math.round(t);
      const warned = random.chance(o.warnedShare);
      const leadMs = Math.round(Math.exp(Math.log(leadLo) + (Math.log(leadHi) - Math.log(leadLo)) * random.next()) * minuteMs);
      const noticeAt = actionAt - noticeMs;
      crunches.push({ id: crunches.length, poolId: pool.id, actionAt, noticeAt, rebalanceAt: warned ? noticeAt - leadMs : noticeAt, warned });
    }
    const alarmRate = crunchRate * o.falseAlarmsPerCrunch;
    if (alarmRate > 0) for (let t = start + exponential(random, alarmRate); t < end; t += exponential(random, alarmRate)) falseAlarms.push({ poolId: pool.id, at: Math.round(t) });
  }

  const agentChoices = pools.filter((p) => agentSizes.has(p.instanceType.split('.')[1]!));
  const agentPools = Array.from({ length: o.agents }, () => random.pick(agentChoices).id);
  const prices = createWorldPrices({ options: o, pools, crunches, from: start - 2 * dayMs, to: end + dayMs, random });

  const events: WorldEvent[] = [];
  const recoveryMs = o.capacityRecoveryMinutes * minuteMs;
  for (const c of crunches) {
    events.push({ kind: 'rebalance', at: c.rebalanceAt, poolId: c.poolId, crunch: c });
    events.push({ kind: 'notice', at: c.noticeAt, poolId: c.poolId, crunch: c });
    events.push({ kind: 'action', at: c.actionAt, poolId: c.poolId, crunch: c });
    if (recoveryMs > 0) {
      events.push({ kind: 'capacity', at: c.actionAt, poolId: c.poolId, available: false });
      events.push({ kind: 'capacity', at: c.actionAt + recoveryMs, poolId: c.poolId, available: true });
    }
  }
  for (const a of falseAlarms) events.push({ kind: 'rebalance', at: a.at, poolId: a.poolId, crunch: null });
  const ordered = events
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => e.at >= start && e.at <= end)
    .sort((a, b) => a.e.at - b.e.at || a.i - b.i)
    .map(({ e }) => e);

  return {
    options: o,
    start,
    end,
    pools,
    agentPools,
    crunches,
    events: ordered,
    prices,
    reclaims: (crunch, instanceId) => unitHash(`${o.seed}|reclaim|${crunch.id}|${instanceId}`) < o.reclaimShare,
  };
}

/** Index drawn with the given shares (they add up to 1). */
function pickShare(random: SeededRandom, shares: readonly number[]): number {
  const u = random.next();
  let acc = 0;
  for (let i = 0; i < shares.length; i++) {
    acc += shares[i]!;
    if (u < acc) return i;
  }
  return shares.length - 1;
}
