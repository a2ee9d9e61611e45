import type { PoolCandidate } from '../ports/price-feed.js';
import type { Market } from '../ports/types.js';

/** A candidate pool with its own (heuristic) risk. */
export interface ScoredCandidate extends PoolCandidate {
  readonly risk: number;
}

export interface PoolChoiceRules {
  /** A pool is safe when its risk is strictly below this (config `rebalanceRiskThreshold`). */
  readonly threshold: number;
  /** Pools not to use now (the current pool, pools in their interruption cool-down). */
  readonly avoid: ReadonlySet<string>;
  /** When no spot pool is safe, take on-demand (config `allowOnDemandFallback` and a provider that can). */
  readonly allowOnDemand: boolean;
  /** Pool of the on-demand fallback when none of the candidates is usable. */
  readonly fallbackPoolId: string;
}

/** Where to launch: spot pools in order of preference (the first may lack capacity), or on-demand, or nothing safe. */
export type PoolChoice =
  | { readonly kind: 'spot'; readonly market: Market; readonly pools: readonly ScoredCandidate[] }
  | { readonly kind: 'on-demand'; readonly market: Market; readonly poolId: string }
  | { readonly kind: 'none'; readonly reason: string };

/** Cheapest first; equal prices go to the lower risk, then to the pool id (a stable order). */
export const byPriceThenRisk = (a: ScoredCandidate, b: ScoredCandidate): number =>
  a.spotPrice - b.spotPrice || a.risk - b.risk || (a.poolId < b.poolId ? -1 : a.poolId > b.poolId ? 1 : 0);

/**
 * The cheapest safe pool: candidates not avoided whose own risk is below the threshold, cheapest first,
 * ties to lower risk. None safe: on-demand when allowed, else `none` (the caller raises the alert).
 */
export function choosePool(candidates: readonly ScoredCandidate[], rules: PoolChoiceRules): PoolChoice {
  const usable = candidates.filter((c) => !rules.avoid.has(c.poolId) && Number.isFinite(c.spotPrice) && c.spotPrice > 0);
  const safe = usable.filter((c) => c.risk < rules.threshold).sort(byPriceThenRisk);
  if (safe.length > 0) return { kind: 'spot', market: 'spot', pools: safe };
  if (rules.allowOnDemand) {
    const cheapest = [...usable].sort((a, b) => (a.onDemandPrice ?? Infinity) - (b.onDemandPrice ?? Infinity) || byPriceThenRisk(a, b))[0];
    return { kind: 'on-demand', market: 'on-demand', poolId: cheapest?.poolId ?? rules.fallbackPoolId };
  }
  return { kind: 'none', reason: `no safe pool among ${candidates.length} candidates (threshold ${rules.threshold})` };
}

/**
 * For an emergency relaunch any pool beats none: the safe pools first (as {@link choosePool}), then the
 * rest by risk and price. Pools in cool-down come last rather than never.
 */
export function emergencyOrder(candidates: readonly ScoredCandidate[], rules: PoolChoiceRules): ScoredCandidate[] {
  const rank = (c: ScoredCandidate) => (rules.avoid.has(c.poolId) ? 2 : c.risk < rules.threshold ? 0 : 1);
  return [...candidates].sort((a, b) => rank(a) - rank(b) || (rank(a) === 0 ? byPriceThenRisk(a, b) : a.risk - b.risk || byPriceThenRisk(a, b)));
}
