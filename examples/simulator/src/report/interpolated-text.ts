import type { PolicyResult } from '../run/summarise.js';

/**
 * The interpolated points of a policy with their share of the stored points, e.g. `12 (0.0028 %)`: the
 * share of a sampled month is small, so it keeps two significant digits rather than two decimals.
 */
export function interpolatedText(r: PolicyResult): string {
  if (r.kind === 'on-demand') return '-';
  const share = r.prices.interpolatedShare * 100;
  return `${r.prices.interpolated} (${share === 0 ? '0' : share >= 1 ? share.toFixed(1) : share.toPrecision(2)} %)`;
}
