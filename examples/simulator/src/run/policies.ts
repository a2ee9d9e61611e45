/**
 * What a fleet runs, each played through the real SEF except the on-demand reference:
 *
 * - `auto`: SEF's auto mode (auto-switch and auto-terminate on) at `rebalanceRiskThreshold` = `threshold`:
 *   a rebalance recommendation scored at or above it starts a hot standby; a termination notice promotes a
 *   ready one, else emergency recovery.
 * - `manual`: SEF's manual mode: a hot standby runs all the time.
 * - `notice-only`: no mode on: nothing on a rebalance recommendation (SEF scores and monitors), emergency
 *   recovery (snapshot, launch, restore, reroute) on the termination notice.
 * - `replace`: on every rebalance recommendation for its primary the agent moves at once, with SEF's manual
 *   flows (manual mode on, wait for the standby to be ready, switch, manual mode off).
 * - `on-demand`: the same fleet on on-demand instances: never interrupted, the cost reference (computed,
 *   not simulated: there is nothing for SEF to do).
 */
export type Policy =
  | { readonly kind: 'auto'; readonly threshold: number }
  | { readonly kind: 'manual' }
  | { readonly kind: 'notice-only' }
  | { readonly kind: 'replace' }
  | { readonly kind: 'on-demand' };

export const policyName = (p: Policy): string => (p.kind === 'auto' ? `auto ${p.threshold.toFixed(2)}` : p.kind);

/** The default set: SEF auto at the spec's three thresholds, manual, notice-only, replace, on-demand. */
export function defaultPolicies(thresholds: readonly number[] = [0.15, 0.3, 0.5]): Policy[] {
  return [...thresholds.map((threshold): Policy => ({ kind: 'auto', threshold })), { kind: 'manual' }, { kind: 'notice-only' }, { kind: 'replace' }, { kind: 'on-demand' }];
}
