import type { PriceStore, SeriesChange, SeriesWindow, SeriesWindowRequest } from '../ports/price-store.js';
import type { SeriesKey, SourceReport } from '../ports/types.js';
import { deriveSeriesChange } from './derive-window.js';
import { emptyOutcome, type TimelineConfig, type TimelineOutcome } from './outcome.js';

/** The new reports of one series in a `storeReports` call, with their time range. */
export interface SeriesBatch {
  readonly series: SeriesKey;
  readonly reports: SourceReport[];
  lo: number;
  hi: number;
}

/** Reports grouped by series `(agentId, poolId)`, in first-seen order. */
export function groupBySeries(reports: readonly SourceReport[]): SeriesBatch[] {
  const byAgent = new Map<string, Map<string, SeriesBatch>>();
  const out: SeriesBatch[] = [];
  for (const r of reports) {
    let pools = byAgent.get(r.agentId);
    if (pools === undefined) byAgent.set(r.agentId, (pools = new Map()));
    let batch = pools.get(r.poolId);
    if (batch === undefined) {
      batch = { series: { agentId: r.agentId, poolId: r.poolId }, reports: [], lo: r.timestamp, hi: r.timestamp };
      pools.set(r.poolId, batch);
      out.push(batch);
    }
    batch.reports.push(r);
    if (r.timestamp < batch.lo) batch.lo = r.timestamp;
    if (r.timestamp > batch.hi) batch.hi = r.timestamp;
  }
  return out;
}

/**
 * Stores accepted source reports: merges twins, fills gaps, and keeps the stored timeline a pure function
 * of the SET of reports ever stored (ARCHITECTURE.md "Convergence"), whatever their order, batching or
 * repetition. Each series is read in the window `[min − 5·tol, max + 5·tol]` around its new reports
 * (tol = `dualSourceTimeTolerance`): pairs may only change within 2·tol of a new report, deciding them
 * needs the source points 2·tol further, and those sit in stored points at most tol further still.
 * Returns what changed, for the caller to emit as events; nothing is emitted here.
 * @example
 * const outcome = await storeReports(storage.prices, released, config);
 * for (const g of outcome.gapsFilled) events.emit('gap.filled', g);
 */
export async function storeReports(store: PriceStore, reports: readonly SourceReport[], config: TimelineConfig): Promise<TimelineOutcome> {
  if (reports.length === 0) return emptyOutcome();
  const batches = groupBySeries(reports);
  const margin = 5 * config.dualSourceTimeTolerance;
  const requests: SeriesWindowRequest[] = batches.map((b) => ({ series: b.series, from: b.lo - margin, to: b.hi + margin }));
  let outcome = emptyOutcome();
  await store.update(requests, (windows: readonly SeriesWindow[]) => {
    // The store may retry: only the outcome of the last call counts.
    outcome = emptyOutcome();
    const changes: SeriesChange[] = [];
    let byKey: Map<string, SeriesBatch> | undefined;
    for (let i = 0; i < windows.length; i++) {
      const w = windows[i]!;
      // Windows normally come back in the order of the requests; look them up only when they do not.
      let batch = batches[i];
      if (batch === undefined || !sameSeries(batch.series, w.series)) {
        byKey ??= new Map(batches.map((b) => [seriesKey(b.series), b]));
        batch = byKey.get(seriesKey(w.series));
      }
      if (batch === undefined) continue;
      const change = deriveSeriesChange(w, batch.reports, config, outcome);
      if (change !== undefined) changes.push(change);
    }
    return changes;
  });
  return outcome;
}

const seriesKey = (s: SeriesKey) => `${s.agentId}\u0000${s.poolId}`;
const sameSeries = (a: SeriesKey, b: SeriesKey) => a.agentId === b.agentId && a.poolId === b.poolId;
