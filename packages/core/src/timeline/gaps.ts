import type { SeriesKey, StoredPoint } from '../ports/types.js';
import type { OutcomeBuilder, TimelineConfig } from './outcome.js';

type GapConfig = Pick<TimelineConfig, 'gapDetectionThreshold' | 'interpolationMaxGap'>;

/**
 * Reports the gaps between consecutive `real` points that did not exist in `stored` (so a gap is reported
 * once, when it appears): `gap.detected` above `gapDetectionThreshold`, `gap.unfillable` above
 * `interpolationMaxGap`, `gap.filled` when `upsert` wrote interpolated points into it. All lists are sorted
 * by timestamp; one linear walk.
 */
export function reportNewGaps(
  series: SeriesKey,
  stored: readonly StoredPoint[],
  real: readonly StoredPoint[],
  upsert: readonly StoredPoint[],
  config: GapConfig,
  outcome: OutcomeBuilder,
): void {
  let s = 0; // first stored real point at or after the gap's left end
  let u = 0; // first upserted point after the gap's left end
  for (let i = 1; i < real.length; i++) {
    const from = real[i - 1]!.timestamp;
    const to = real[i]!.timestamp;
    while (s < stored.length && (stored[s]!.timestamp < from || stored[s]!.flag === 'interpolated')) s++;
    // The gap existed when `from` was stored real and the next stored real point is `to`.
    let n = s + 1;
    while (n < stored.length && stored[n]!.flag === 'interpolated') n++;
    const existed = s < stored.length && stored[s]!.timestamp === from && n < stored.length && stored[n]!.timestamp === to;
    while (u < upsert.length && upsert[u]!.timestamp <= from) u++;
    let written = 0;
    while (u < upsert.length && upsert[u]!.timestamp < to) if (upsert[u++]!.flag === 'interpolated') written++;
    if (existed) continue;
    const length = to - from;
    const gap = { series, from, to, length };
    if (length > config.gapDetectionThreshold) outcome.gapsDetected.push(gap);
    if (length > config.interpolationMaxGap) outcome.gapsUnfillable.push(gap);
    else if (written > 0) outcome.gapsFilled.push({ ...gap, points: written });
  }
}

/**
 * Reports the unfillable gaps of `stored` (consecutive real points further apart than
 * `interpolationMaxGap`) that are gone from `real`: late reports arrived inside them. Their
 * `gap.unfillable` alert is retracted, so the alerts still standing are those of the set of reports
 * stored, whatever order they came in. Both lists sorted by timestamp; one linear walk.
 */
export function reportRetractedGaps(
  series: SeriesKey,
  stored: readonly StoredPoint[],
  real: readonly StoredPoint[],
  config: Pick<TimelineConfig, 'interpolationMaxGap'>,
  outcome: OutcomeBuilder,
): void {
  let prev: StoredPoint | undefined;
  let r = 0; // first point of `real` at or after the gap's left end
  for (const p of stored) {
    if (p.flag === 'interpolated') continue;
    if (prev !== undefined && p.timestamp - prev.timestamp > config.interpolationMaxGap) {
      const from = prev.timestamp;
      const to = p.timestamp;
      while (r < real.length && real[r]!.timestamp < from) r++;
      const still = real[r]?.timestamp === from && real[r + 1]?.timestamp === to;
      if (!still) outcome.gapsRetracted.push({ series, from, to, length: to - from });
    }
    prev = p;
  }
}
