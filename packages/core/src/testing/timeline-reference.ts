import type { SefConfig } from '../config/index.js';
import type { SourceReport, StoredPoint } from '../ports/types.js';

type ReferenceConfig = Pick<
  SefConfig,
  'dualSourceTimeTolerance' | 'dualSourcePriceTolerance' | 'interpolationMaxGap' | 'interpolationStep' | 'pricePrecision'
>;

/** A stored point reduced to what the rules decide: timestamp, price, flag, and the replica's timestamp. */
export type TimelineRow = [timestamp: number, price: number, flag: string, replicaTimestamp: number | null];

/** The rows of a stored timeline, to compare with {@link referenceTimeline}. */
export const timelineRows = (points: readonly StoredPoint[]): TimelineRow[] => points.map((p) => [p.timestamp, p.price, p.flag, p.replicaTimestamp]);

/**
 * The stored timeline of a set of reports computed from scratch, the slow and obvious way, straight from
 * the rules and independent of the timeline code: the lowest price per (role, timestamp); primary and
 * replica pair when each is the other's nearest within the time tolerance (ties to the earlier timestamp);
 * the spec's merge; interpolation at t0 + k·step while t1 − t ≥ step/2 in gaps up to the maximum. O(n²):
 * for test-sized inputs only. The oracle of the convergence contract and the core's reference tests.
 */
export function referenceTimeline(reports: readonly SourceReport[], config: ReferenceConfig): TimelineRow[] {
  const tol = config.dualSourceTimeTolerance;
  const scale = 10 ** config.pricePrecision;
  const round = (v: number) => Math.round(v * scale) / scale;
  const lowest = new Map<string, SourceReport>();
  for (const r of reports) {
    const key = `${r.role}@${r.timestamp}`;
    const seen = lowest.get(key);
    if (seen === undefined || r.price < seen.price) lowest.set(key, r);
  }
  const all = [...lowest.values()];
  const nearest = (r: SourceReport) => {
    let best: SourceReport | undefined;
    for (const o of all) {
      if (o.role === r.role) continue;
      const d = Math.abs(o.timestamp - r.timestamp);
      const bd = best === undefined ? Infinity : Math.abs(best.timestamp - r.timestamp);
      if (d <= tol && (d < bd || (d === bd && o.timestamp < best!.timestamp))) best = o;
    }
    return best;
  };
  const rows: TimelineRow[] = [];
  for (const r of all) {
    const twin = nearest(r);
    const paired = twin !== undefined && nearest(twin) === r;
    if (paired && r.role === 'replica') continue;
    if (!paired) rows.push([r.timestamp, r.price, 'single_source', r.role === 'replica' ? r.timestamp : null]);
    else {
      const close = Math.abs(r.price - twin.price) / r.price < config.dualSourcePriceTolerance;
      rows.push([r.timestamp, close ? r.price : round((r.price + twin.price) / 2), close ? 'verified_dual_source' : 'averaged_dual_source', twin.timestamp]);
    }
  }
  rows.sort((a, b) => a[0] - b[0]);
  const step = config.interpolationStep;
  const out: TimelineRow[] = [];
  rows.forEach((row, i) => {
    out.push(row);
    const next = rows[i + 1];
    if (next === undefined || next[0] - row[0] > config.interpolationMaxGap) return;
    for (let t = row[0] + step; next[0] - t >= step / 2; t += step) {
      out.push([t, round(row[1] + ((next[1] - row[1]) * (t - row[0])) / (next[0] - row[0])), 'interpolated', null]);
    }
  });
  return out;
}
