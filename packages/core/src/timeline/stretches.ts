import type { SeriesChange, SeriesWindow } from '../ports/price-store.js';
import type { SeriesKey, SourceReport, StoredPoint } from '../ports/types.js';
import { deriveSeriesChange, localityMargin } from './derive-window.js';
import type { OutcomeBuilder, TimelineConfig } from './outcome.js';

/** New reports of one series that are read and derived together, with their time range. */
export interface SeriesBatch {
  readonly series: SeriesKey;
  readonly reports: SourceReport[];
  lo: number;
  hi: number;
}

/**
 * Splits each series' reports into stretches wherever two consecutive reports lie further apart than both
 * locality margins plus `interpolationMaxGap`: a late report then costs the read and derivation of its own
 * neighbourhood, not of everything between it and the other reports of the call. Any split is correct
 * (windows that meet are derived together, see {@link deriveStretches}); this one keeps the reports of an
 * in-order run together.
 */
export function stretchesOf(batches: readonly SeriesBatch[], config: TimelineConfig): SeriesBatch[] {
  const apart = 2 * localityMargin(config) + config.interpolationMaxGap;
  const out: SeriesBatch[] = [];
  for (const b of batches) {
    if (b.hi - b.lo <= apart) {
      out.push(b);
      continue;
    }
    const sorted = [...b.reports].sort((x, y) => x.timestamp - y.timestamp);
    let cur: SeriesBatch | undefined;
    for (const r of sorted) {
      if (cur === undefined || r.timestamp - cur.hi > apart) {
        cur = { series: b.series, reports: [], lo: r.timestamp, hi: r.timestamp };
        out.push(cur);
      }
      cur.reports.push(r);
      cur.hi = r.timestamp;
    }
  }
  return out;
}

const keyOf = (s: SeriesKey) => `${s.agentId}\u0000${s.poolId}`;

/**
 * The changes for the windows the store read for `stretches` (one window per stretch, in any order): per
 * series, windows that overlap or touch (a widened window reaches the next real point, which may lie in
 * another's range) are joined and derived once with the reports of every stretch inside; disjoint windows
 * are derived apart, as separate calls would. One change per series, its upserts in timestamp order.
 */
export function deriveStretches(
  windows: readonly SeriesWindow[],
  stretches: readonly SeriesBatch[],
  config: TimelineConfig,
  outcome: OutcomeBuilder,
): SeriesChange[] {
  const bySeries = new Map<string, { windows: SeriesWindow[]; stretches: SeriesBatch[] }>();
  for (const w of windows) {
    const key = keyOf(w.series);
    const entry = bySeries.get(key);
    if (entry === undefined) bySeries.set(key, { windows: [w], stretches: [] });
    else entry.windows.push(w);
  }
  for (const s of stretches) bySeries.get(keyOf(s.series))?.stretches.push(s);
  const changes: SeriesChange[] = [];
  for (const { windows: ws, stretches: ss } of bySeries.values()) {
    if (ws.length === 1 && ss.length === 1) {
      const change = deriveSeriesChange(ws[0]!, ss[0]!.reports, config, outcome);
      if (change !== undefined) changes.push(change);
      continue;
    }
    const joined = joinWindows(ws);
    const reports = joined.map((): SourceReport[] => []);
    for (const s of ss) {
      const i = joined.findIndex((w) => w.left <= s.lo && s.hi <= w.right);
      if (i >= 0) reports[i]!.push(...s.reports);
    }
    const upsert: StoredPoint[] = [];
    const remove: number[] = [];
    for (let i = 0; i < joined.length; i++) {
      if (reports[i]!.length === 0) continue;
      const change = deriveSeriesChange(joined[i]!, reports[i]!, config, outcome);
      if (change === undefined) continue;
      upsert.push(...change.upsert);
      remove.push(...change.remove);
    }
    if (upsert.length > 0 || remove.length > 0) changes.push({ series: ws[0]!.series, upsert, remove });
  }
  return changes;
}

/**
 * Windows of one series joined where they overlap or touch, sorted by `left`; shared points kept once. Also
 * joined: windows with no stored real point between them (one reaches no real point on that side), so the
 * gap between their new reports is seen, as it is when they are stored one after the other.
 */
function joinWindows(windows: readonly SeriesWindow[]): SeriesWindow[] {
  const sorted = [...windows].sort((a, b) => a.left - b.left);
  const out: { series: SeriesKey; left: number; right: number; points: StoredPoint[] }[] = [];
  for (const w of sorted) {
    const last = out.at(-1);
    if (last === undefined || (w.left > last.right && realAt(last.points.at(-1), last.right) && realAt(w.points[0], w.left))) {
      out.push({ series: w.series, left: w.left, right: w.right, points: [...w.points] });
      continue;
    }
    const end = last.points.at(-1)?.timestamp ?? -Infinity;
    for (const p of w.points) if (p.timestamp > end) last.points.push(p);
    if (w.right > last.right) last.right = w.right;
  }
  return out;
}

/** Is `p` a real point at `t` (the window's bound is a stored real point, not the requested bound)? */
const realAt = (p: StoredPoint | undefined, t: number) => p !== undefined && p.timestamp === t && p.flag !== 'interpolated';
