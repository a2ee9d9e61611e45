import type { CallOptions } from './compute-provider.js';

/** A pool the agent could move to, with its current spot price. */
export interface PoolCandidate {
  readonly poolId: string;
  /** USD per hour. */
  readonly spotPrice: number;
  readonly onDemandPrice?: number;
  /** EC2 spot placement score (1–10) where the provider has one. */
  readonly placementScore?: number;
}

/** A moment the price changed. Between two points the price is constant (a step function). */
export interface PriceChange {
  /** ms */
  readonly time: number;
  readonly price: number;
}

/**
 * Market data (EC2 DescribeSpotPriceHistory / GetSpotPlacementScores, or the simulator).
 * `priceHistory` returns the changes in `[from, to]` plus the last change before `from`, oldest first.
 */
export interface PriceFeed {
  candidatePools(agent: { agentId: string; region: string; currentPoolId: string }, options?: CallOptions): Promise<PoolCandidate[]>;
  priceHistory(poolId: string, from: number, to: number, options?: CallOptions): Promise<PriceChange[]>;
}
