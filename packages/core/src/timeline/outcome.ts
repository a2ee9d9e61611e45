import type { GapEvent } from '../events/event-map.js';
import type { SeriesKey } from '../ports/types.js';
import type { SefConfig } from '../config/index.js';

/** The settings the timeline reads (a full {@link SefConfig} fits). */
export type TimelineConfig = Pick<
  SefConfig,
  | 'dualSourceTimeTolerance'
  | 'dualSourcePriceTolerance'
  | 'pricePrecision'
  | 'gapDetectionThreshold'
  | 'interpolationMaxGap'
  | 'interpolationStep'
>;

/** A primary/replica pair written as one dual-source point (the `report.merged` payload). */
export interface MergedPair {
  readonly series: SeriesKey;
  /** The primary's timestamp (seconds). */
  readonly timestamp: number;
  readonly flag: 'verified_dual_source' | 'averaged_dual_source';
  readonly price: number;
  readonly primaryPrice: number;
  readonly replicaPrice: number;
}

/** A new gap that was filled, with the number of interpolated points written into it. */
export type FilledGap = GapEvent & { readonly points: number };

/**
 * What one `storeReports` call changed, for the caller to emit as events and count. Gaps are reported
 * only when they are new after this call (a gap already stored is not reported twice), merges only for
 * dual-source points this call wrote.
 */
export interface TimelineOutcome {
  readonly merged: readonly MergedPair[];
  /** New gaps longer than `gapDetectionThreshold`. */
  readonly gapsDetected: readonly GapEvent[];
  /** New gaps into which interpolated points were written. */
  readonly gapsFilled: readonly FilledGap[];
  /** New gaps longer than `interpolationMaxGap`: left open. */
  readonly gapsUnfillable: readonly GapEvent[];
  /** Unfillable gaps stored before that late reports have now split or filled: their alert is retracted. */
  readonly gapsRetracted: readonly GapEvent[];
  /** Points inserted or overwritten (real and interpolated). */
  readonly pointsWritten: number;
  /** Of those, interpolated points. */
  readonly interpolatedWritten: number;
  /** Points deleted (interpolated points replaced by a gap's new shape, single points merged away). */
  readonly pointsRemoved: number;
}

/** A mutable outcome that the per-series steps add to. */
export interface OutcomeBuilder {
  merged: MergedPair[];
  gapsDetected: GapEvent[];
  gapsFilled: FilledGap[];
  gapsUnfillable: GapEvent[];
  gapsRetracted: GapEvent[];
  pointsWritten: number;
  interpolatedWritten: number;
  pointsRemoved: number;
}

export const emptyOutcome = (): OutcomeBuilder => ({
  merged: [],
  gapsDetected: [],
  gapsFilled: [],
  gapsUnfillable: [],
  gapsRetracted: [],
  pointsWritten: 0,
  interpolatedWritten: 0,
  pointsRemoved: 0,
});
