import type { EventEmitter } from 'eventemitter3';
import type { Alert, GapEvent, SefEvents } from '../events/event-map.js';
import type { TimelineOutcome } from '../timeline/index.js';
import type { Counters } from './counters.js';

/**
 * Turns what `storeReports` did into counters, events and alerts: merges, gaps detected, filled and left
 * open (an open gap is also an `unfillable_gap` alert, the spec's "gaps > 30 min that couldn't be filled").
 * An unfillable gap that late reports later fill is retracted (`gap.retracted`, `alert.retracted`): the
 * alert is raised when the gap is stored and withdrawn when it is gone, so the alerts standing are those
 * of the stored set of reports, whatever order they came in.
 */
export function reportOutcome(outcome: TimelineOutcome, ctx: { counters: Counters; events: EventEmitter<SefEvents>; now: number }): void {
  const { counters, events, now } = ctx;
  for (const m of outcome.merged) {
    if (m.flag === 'verified_dual_source') counters.verified++;
    else counters.averaged++;
    events.emit('report.merged', m);
  }
  counters.interpolated += outcome.interpolatedWritten;
  for (const g of outcome.gapsDetected) {
    counters.gapsDetected++;
    events.emit('gap.detected', g);
  }
  for (const g of outcome.gapsFilled) {
    counters.gapsFilled++;
    events.emit('gap.filled', g);
  }
  // Retractions first: a late report that splits a gap may leave a shorter one that is still unfillable.
  for (const g of outcome.gapsRetracted) {
    counters.gapsRetracted++;
    events.emit('gap.retracted', g);
    events.emit('alert.retracted', {
      ...gapAlert(g, now),
      message: `Gap of ${Math.round(g.length / 60)} min in ${g.series.agentId} / ${g.series.poolId} was filled by late reports: alert retracted`,
    });
  }
  for (const g of outcome.gapsUnfillable) {
    counters.gapsUnfillable++;
    events.emit('gap.unfillable', g);
    events.emit('alert', gapAlert(g, now));
  }
}

function gapAlert(g: GapEvent, now: number): Alert {
  return {
    kind: 'unfillable_gap',
    message: `Gap of ${Math.round(g.length / 60)} min in ${g.series.agentId} / ${g.series.poolId} is longer than the longest fillable gap and stays open`,
    agentId: g.series.agentId,
    at: now,
    details: { poolId: g.series.poolId, from: g.from, to: g.to, length: g.length },
  };
}
