import type { SeriesKey, StoredPoint } from '../ports/types.js';
import type { TimelineConfig } from './outcome.js';
import { roundPrice } from './price-math.js';

type InterpolationConfig = Pick<TimelineConfig, 'interpolationMaxGap' | 'interpolationStep' | 'pricePrecision'>;

/**
 * The interpolated points between two consecutive real points `a` and `b` (a before b): none when the gap
 * is longer than `interpolationMaxGap`; else at `a + k·step` (k ≥ 1) while the point stays at least half a
 * step before `b`, each on the straight line rounded to `pricePrecision` decimals.
 * @example
 * // The spec's gap: $0.050 at T=0, $0.060 at T=1200 → 0.0525, 0.055, 0.0575 at 300, 600, 900.
 */
export function interpolateGap(series: SeriesKey, a: StoredPoint, b: StoredPoint, config: InterpolationConfig, out: StoredPoint[]): void {
  const length = b.timestamp - a.timestamp;
  if (length > config.interpolationMaxGap) return;
  const step = config.interpolationStep;
  for (let k = 1; ; k++) {
    const t = a.timestamp + k * step;
    if (b.timestamp - t < step / 2) break;
    out.push({
      agentId: series.agentId,
      poolId: series.poolId,
      timestamp: t,
      price: roundPrice(a.price + ((b.price - a.price) * (t - a.timestamp)) / length, config.pricePrecision),
      flag: 'interpolated',
      source: 'interpolated',
      primaryPrice: null,
      replicaPrice: null,
      replicaTimestamp: null,
    });
  }
}

/** Real points (sorted) with the interpolated points of every fillable gap between them, sorted. */
export function withInterpolation(series: SeriesKey, real: readonly StoredPoint[], config: InterpolationConfig): StoredPoint[] {
  const out: StoredPoint[] = [];
  for (let i = 0; i < real.length; i++) {
    const p = real[i]!;
    out.push(p);
    const next = real[i + 1];
    if (next !== undefined) interpolateGap(series, p, next, config, out);
  }
  return out;
}
