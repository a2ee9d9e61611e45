import type { SeriesKey, StoredPoint } from '../ports/types.js';
import type { OutcomeBuilder, TimelineConfig } from './outcome.js';

type GapConfig = Pick<TimelineConfig, 'gapDetectionThreshold' | 'interpolationMaxGap'>;

/** The gaps between consecutive real points of a stored window, as left timestamp → right timestamp. */
export function gapsOf(points: readonly StoredPoint[]): Map<number, number> {
  const gaps = new Map<number, number>();
  let previous: number | undefined;
  for (const p of points) {
    if (p.flag === 'interpolated') continue;
    if (previous !== undefined) gaps.set(previous, p.timestamp);
    previous = p.timestamp;
  }
  return gaps;
}

/**
 * Reports the gaps between consecutive `real` points that did not exist `before` (so a gap is reported
 * once, when it appears): `gap.detected` above `gapDetectionThreshold`, `gap.unfillable` above
 * `interpolationMaxGap`, `gap.filled` when interpolated points were written into it
 * (`writtenIn(from, to)` counts them).
 */
export function reportNewGaps(
  series: SeriesKey,
  before: ReadonlyMap<number, number>,
  real: readonly StoredPoint[],
  config: GapConfig,
  writtenIn: (from: number, to: number) => number,
  outcome: OutcomeBuilder,
): void {
  for (let i = 1; i < real.length; i++) {
    const from = real[i - 1]!.timestamp;
    const to = real[i]!.timestamp;
    if (before.get(from) === to) continue;
    const length = to - from;
    const gap = { series, from, to, length };
    if (length > config.gapDetectionThreshold) outcome.gapsDetected.push(gap);
    if (length > config.interpolationMaxGap) outcome.gapsUnfillable.push(gap);
    else {
      const points = writtenIn(from, to);
      if (points > 0) outcome.gapsFilled.push({ ...gap, points });
    }
  }
}
