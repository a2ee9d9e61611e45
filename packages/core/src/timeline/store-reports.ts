import type { PriceStore, SeriesWindow, SeriesWindowRequest } from '../ports/price-store.js';
import type { SourceReport } from '../ports/types.js';
import { localityMargin } from './derive-window.js';
import { emptyOutcome, type TimelineConfig, type TimelineOutcome } from './outcome.js';
import { deriveStretches, stretchesOf, type SeriesBatch } from './stretches.js';

export type { SeriesBatch } from './stretches.js';

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
 * repetition. Each series is read around each stretch of its new reports (see `stretchesOf`), widened by
 * the locality margin (`localityMargin`, 5·tol), so a late report re-reads and re-derives only its own
 * neighbourhood. Returns what changed, for the caller to emit as events; nothing is emitted here.
 * @example
 * const outcome = await storeReports(storage.prices, released, config);
 * for (const g of outcome.gapsFilled) events.emit('gap.filled', g);
 */
export async function storeReports(store: PriceStore, reports: readonly SourceReport[], config: TimelineConfig): Promise<TimelineOutcome> {
  if (reports.length === 0) return emptyOutcome();
  const stretches = stretchesOf(groupBySeries(reports), config);
  const margin = localityMargin(config);
  const requests: SeriesWindowRequest[] = stretches.map((b) => ({ series: b.series, from: b.lo - margin, to: b.hi + margin }));
  let outcome = emptyOutcome();
  await store.update(requests, (windows: readonly SeriesWindow[]) => {
    // The store may retry: only the outcome of the last call counts.
    outcome = emptyOutcome();
    return deriveStretches(windows, stretches, config, outcome);
  });
  return outcome;
}
