import type { PointSource, SeriesKey, StoredPoint } from '../ports/types.js';
import type { TimelineConfig } from './outcome.js';
import { relativeDifference, roundPrice } from './price-math.js';

/**
 * One observation reported by both instances, as the spec merges it: prices less than
 * `dualSourcePriceTolerance` apart (relative to the primary) keep the primary's value
 * (`verified_dual_source`); otherwise the average rounded to `pricePrecision` (`averaged_dual_source`).
 * The point sits at the primary's timestamp and keeps both sources.
 */
export function mergePair(
  series: SeriesKey,
  primary: { readonly timestamp: number; readonly price: number },
  replica: { readonly timestamp: number; readonly price: number },
  config: Pick<TimelineConfig, 'dualSourcePriceTolerance' | 'pricePrecision'>,
): StoredPoint {
  const verified = relativeDifference(primary.price, replica.price) < config.dualSourcePriceTolerance;
  return {
    agentId: series.agentId,
    poolId: series.poolId,
    timestamp: primary.timestamp,
    price: verified ? primary.price : roundPrice((primary.price + replica.price) / 2, config.pricePrecision),
    flag: verified ? 'verified_dual_source' : 'averaged_dual_source',
    source: 'dual',
    primaryPrice: primary.price,
    replicaPrice: replica.price,
    replicaTimestamp: replica.timestamp,
  };
}

/** A report without a twin, stored as it came (`single_source`) at its own timestamp. */
export function singlePoint(series: SeriesKey, role: 'primary' | 'replica', timestamp: number, price: number): StoredPoint {
  const source: PointSource = role;
  return {
    agentId: series.agentId,
    poolId: series.poolId,
    timestamp,
    price,
    flag: 'single_source',
    source,
    primaryPrice: role === 'primary' ? price : null,
    replicaPrice: role === 'replica' ? price : null,
    replicaTimestamp: role === 'replica' ? timestamp : null,
  };
}
