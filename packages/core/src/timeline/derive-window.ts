import type { SeriesChange, SeriesWindow } from '../ports/price-store.js';
import type { SourceReport, StoredPoint } from '../ports/types.js';
import { reportNewGaps, reportRetractedGaps } from './gaps.js';
import { withInterpolation } from './interpolate.js';
import { mergePair, singlePoint } from './merge.js';
import type { OutcomeBuilder, TimelineConfig } from './outcome.js';
import { pairMutualNearest } from './pairing.js';
import { collectSources, type SourcePoint } from './source-points.js';
import { diffPoints } from './diff.js';

/**
 * How far around its new reports a series must be read for {@link deriveSeriesChange} to be exact (the
 * locality margin, 5·tol with tol = `dualSourceTimeTolerance`): pairs may only change within 2·tol of a
 * new report, deciding them needs the source points 2·tol further, and those sit in stored points at most
 * tol further still. The store widens the window to the neighbouring real points, which is all that
 * interpolation and gap detection need besides.
 */
export function localityMargin(config: Pick<TimelineConfig, 'dualSourceTimeTolerance'>): number {
  return 5 * config.dualSourceTimeTolerance;
}

/**
 * The change of one series when `reports` join what `window` holds, as a pure function of the window and
 * the reports (so of the set of source reports, whatever their order). Only points within 2·tolerance of a
 * new report are re-paired (pairing is local); every other real point is kept as stored, and the
 * interpolated points of the whole window are recomputed from the real ones. Adds merges, new gaps and
 * counts to `outcome`; returns undefined when nothing changes.
 */
export function deriveSeriesChange(
  window: SeriesWindow,
  reports: readonly SourceReport[],
  config: TimelineConfig,
  outcome: OutcomeBuilder,
): SeriesChange | undefined {
  const { series, points } = window;
  const tol = config.dualSourceTimeTolerance;
  // The re-paired range: 2·tol, the first part of the locality margin.
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of reports) {
    if (r.timestamp < lo) lo = r.timestamp;
    if (r.timestamp > hi) hi = r.timestamp;
  }
  const { primaries, replicas } = collectSources(points, reports);
  pairMutualNearest(primaries, replicas, tol);

  // Close the recomputed set over twins and over the stored points they came from, so a stored point is
  // either kept whole or rebuilt whole.
  const work: SourcePoint[] = [];
  const aLo = lo - 2 * tol;
  const aHi = hi + 2 * tol;
  for (const s of primaries) if (s.timestamp >= aLo && s.timestamp <= aHi) work.push(s);
  for (const s of replicas) if (s.timestamp >= aLo && s.timestamp <= aHi) work.push(s);
  const touched = new Uint8Array(points.length);
  while (work.length > 0) {
    const s = work.pop()!;
    if (s.recompute) continue;
    s.recompute = true;
    if (s.partner !== null && !s.partner.recompute) work.push(s.partner);
    if (s.sibling !== null && !s.sibling.recompute) work.push(s.sibling);
    if (s.origin >= 0) touched[s.origin] = 1;
  }

  const rebuilt: StoredPoint[] = [];
  for (const p of primaries) {
    if (!p.recompute) continue;
    rebuilt.push(p.partner !== null ? mergePair(series, p, p.partner, config) : singlePoint(series, 'primary', p.timestamp, p.price));
  }
  for (const r of replicas) if (r.recompute && r.partner === null) rebuilt.push(singlePoint(series, 'replica', r.timestamp, r.price));
  if (rebuilt.length > 1) rebuilt.sort(byTimestamp);

  const kept: StoredPoint[] = [];
  for (let i = 0; i < points.length; i++) if (touched[i] === 0 && points[i]!.flag !== 'interpolated') kept.push(points[i]!);
  const real = mergeSorted(kept, rebuilt);
  const next = withInterpolation(series, real, config);
  const { upsert, remove } = diffPoints(points, next);
  if (upsert.length === 0 && remove.length === 0) return undefined;

  let interpolatedWritten = 0;
  for (const p of upsert) {
    if (p.flag === 'interpolated') interpolatedWritten++;
    else if (p.source === 'dual') {
      outcome.merged.push({
        series,
        timestamp: p.timestamp,
        flag: p.flag === 'verified_dual_source' ? 'verified_dual_source' : 'averaged_dual_source',
        price: p.price,
        primaryPrice: p.primaryPrice!,
        replicaPrice: p.replicaPrice!,
      });
    }
  }
  outcome.pointsWritten += upsert.length;
  outcome.interpolatedWritten += interpolatedWritten;
  outcome.pointsRemoved += remove.length;
  reportNewGaps(series, points, real, upsert, config, outcome);
  reportRetractedGaps(series, points, real, config, outcome);
  return { series, upsert, remove };
}

function byTimestamp(a: StoredPoint, b: StoredPoint): number {
  return a.timestamp - b.timestamp;
}

/** Merges kept and rebuilt real points by timestamp; on a shared timestamp the rebuilt one wins. */
function mergeSorted(kept: readonly StoredPoint[], rebuilt: readonly StoredPoint[]): StoredPoint[] {
  if (rebuilt.length === 0) return kept as StoredPoint[];
  const out: StoredPoint[] = [];
  let i = 0;
  let j = 0;
  while (i < kept.length || j < rebuilt.length) {
    const a = kept[i];
    const b = rebuilt[j];
    if (b === undefined || (a !== undefined && a.timestamp < b.timestamp)) {
      out.push(a!);
      i++;
    } else {
      if (a !== undefined && a.timestamp === b.timestamp) i++;
      out.push(b);
      j++;
    }
  }
  return out;
}
