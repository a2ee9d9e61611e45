import type { CallOptions } from '../ports/compute-provider.js';
import type { PoolCandidate, PriceChange, PriceFeed } from '../ports/price-feed.js';
import type { PoolRecord } from '../ports/types.js';
import { simulatedInstanceTypes } from './pool-catalog.js';

/** A pure, seeded price model: the price of a pool is a step function changing every `stepMs`. */
export interface SimulatedPrices {
  /** Spot price in force at `time` (ms). */
  priceAt(poolId: string, time: number): number;
  onDemandPrice(poolId: string): number;
  /** Changes in `[from, to]` plus the last change before `from`, oldest first. */
  history(poolId: string, from: number, to: number): PriceChange[];
}

/** Uniform in [0, 1) from a string: the same inputs give the same number on every machine. */
export function unitHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

const typeOf = (poolId: string): string => poolId.slice(poolId.indexOf(':') + 1);

/**
 * Spot prices between 25 % and 45 % of on-demand, each pool with its own swing (0–30 % of on-demand):
 * some pools are calm, some volatile, deterministic in `seed`.
 */
export function createSimulatedPrices(seed: number, stepMs = 3_600_000): SimulatedPrices {
  const onDemand = (poolId: string) => simulatedInstanceTypes[typeOf(poolId)] ?? 0.1;
  const priceAt = (poolId: string, time: number) => {
    const k = Math.floor(time / stepMs);
    const base = 0.25 + 0.2 * unitHash(`${seed}|${poolId}|base`);
    const swing = 0.3 * unitHash(`${seed}|${poolId}|swing`);
    const u = unitHash(`${seed}|${poolId}|${k}`);
    return Math.round(onDemand(poolId) * (base + swing * (u - 0.5)) * 1e6) / 1e6;
  };
  return {
    priceAt,
    onDemandPrice: onDemand,
    history(poolId, from, to) {
      const out: PriceChange[] = [];
      for (let k = Math.floor(from / stepMs); k * stepMs <= to; k++) out.push({ time: k * stepMs, price: priceAt(poolId, k * stepMs) });
      return out;
    },
  };
}

export interface SimulatedPriceFeedOptions {
  readonly prices: SimulatedPrices;
  readonly pools: readonly PoolRecord[];
  /** Time of `candidatePools`' prices. */
  readonly now: () => number;
  /** Latency, hang faults and the call log of the cloud. */
  readonly call: <T>(method: string, options: CallOptions | undefined, act: () => T) => Promise<T>;
}

/** Candidates are the pools of the agent's region with instance types of the same size as its current one. */
export function createSimulatedPriceFeed(o: SimulatedPriceFeedOptions): PriceFeed {
  const known = new Set(o.pools.map((p) => p.id));
  return {
    candidatePools(agent, options) {
      return o.call('candidatePools', options, () => {
        const size = typeOf(agent.currentPoolId).split('.')[1];
        const now = o.now();
        return o.pools
          .filter((p) => p.region === agent.region && p.instanceType.split('.')[1] === size)
          .map((p): PoolCandidate => ({ poolId: p.id, spotPrice: o.prices.priceAt(p.id, now), onDemandPrice: o.prices.onDemandPrice(p.id) }));
      });
    },
    priceHistory(poolId, from, to, options) {
      return o.call('priceHistory', options, () => (known.has(poolId) ? o.prices.history(poolId, from, to) : []));
    },
  };
}
