import type { PriceChange, SeededRandom, SimulatedPrices } from '@sef/core';
import type { ResolvedWorldOptions } from './world-options.js';

const hourMs = 3_600_000;

interface PriceInputs {
  readonly options: ResolvedWorldOptions;
  readonly pools: readonly { readonly id: string; readonly onDemandPrice: number }[];
  readonly crunches: readonly { readonly poolId: string; readonly actionAt: number }[];
  /** The hourly grid covers [from, to] (ms). */
  readonly from: number;
  readonly to: number;
  readonly random: SeededRandom;
}

/**
 * Hourly spot prices per pool, as EC2 publishes them (a step function): a share of on-demand drawn per
 * pool, a mean-reverting random walk of the pool's own volatility, and a linear rise of `priceRise`
 * over the `priceRiseHours` before each crunch, held until capacity is back. Never above on-demand.
 */
export function createWorldPrices(input: PriceInputs): SimulatedPrices {
  const { options: o, from, to, random } = input;
  const first = Math.floor(from / hourMs);
  const steps = Math.ceil(to / hourMs) - first + 1;
  const riseMs = o.priceRiseHours * hourMs;
  const holdMs = o.capacityRecoveryMinutes * 60_000;
  const byPool = new Map<string, Float64Array>();
  const onDemand = new Map<string, number>();
  const crunchesOf = new Map<string, number[]>();
  for (const c of input.crunches) {
    const list = crunchesOf.get(c.poolId) ?? [];
    list.push(c.actionAt);
    crunchesOf.set(c.poolId, list);
  }

  for (const pool of input.pools) {
    const [lo, hi] = o.spotShare;
    const base = lo + (hi - lo) * random.next();
    const volatility = o.priceVolatility * random.next();
    const crunchTimes = crunchesOf.get(pool.id) ?? [];
    const series = new Float64Array(steps);
    let walk = 0;
    for (let k = 0; k < steps; k++) {
      walk = 0.9 * walk + random.spread(volatility);
      const t = (first + k) * hourMs;
      let rise = 0;
      for (const at of crunchTimes) {
        if (t >= at - riseMs && t <= at + holdMs) rise = Math.max(rise, t >= at ? 1 : (t - (at - riseMs)) / riseMs);
      }
      const share = Math.min(1, Math.max(0.05, base * (1 + walk) * (1 + o.priceRise * rise)));
      series[k] = Math.round(pool.onDemandPrice * share * 1e6) / 1e6;
    }
    byPool.set(pool.id, series);
    onDemand.set(pool.id, pool.onDemandPrice);
  }

  const index = (time: number) => Math.min(steps - 1, Math.max(0, Math.floor(time / hourMs) - first));
  const priceAt = (poolId: string, time: number): number => byPool.get(poolId)?.[index(time)] ?? 0;
  return {
    priceAt,
    onDemandPrice: (poolId) => onDemand.get(poolId) ?? 0,
    history(poolId, fromMs, toMs) {
      const out: PriceChange[] = [];
      for (let k = Math.floor(fromMs / hourMs); k * hourMs <= toMs; k++) out.push({ time: k * hourMs, price: priceAt(poolId, k * hourMs) });
      return out;
    },
  };
}
