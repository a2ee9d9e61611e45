import type { PriceStore, SeriesChange, SeriesWindow } from '../ports/price-store.js';
import type { QualityFlag, SeriesKey, StoredPoint } from '../ports/types.js';

/** A series of the contract suites; each test uses its own agent id so tests never meet. */
export const seriesFor = (agentId: string, poolId = 'us-east-1a:c5.large'): SeriesKey => ({ agentId, poolId });

/** A stored point with the sources a real point of that flag would carry. */
export function point(series: SeriesKey, timestamp: number, price: number, flag: QualityFlag = 'single_source'): StoredPoint {
  const interpolated = flag === 'interpolated';
  const dual = flag === 'verified_dual_source' || flag === 'averaged_dual_source';
  return {
    agentId: series.agentId,
    poolId: series.poolId,
    timestamp,
    price,
    flag,
    source: interpolated ? 'interpolated' : dual ? 'dual' : 'primary',
    primaryPrice: interpolated ? null : price,
    replicaPrice: dual ? price : null,
    replicaTimestamp: dual ? timestamp : null,
  };
}

/** Writes points (and removes timestamps) through `update`, as the core does. */
export async function write(store: PriceStore, series: SeriesKey, upsert: readonly StoredPoint[], remove: readonly number[] = []): Promise<void> {
  const ts = [...upsert.map((p) => p.timestamp), ...remove];
  const change: SeriesChange = { series, upsert, remove };
  await store.update([{ series, from: Math.min(...ts), to: Math.max(...ts) }], () => [change]);
}

/** Runs one `update` and returns the windows its `compute` was given, changing nothing. */
export async function windowsOf(store: PriceStore, requests: Parameters<PriceStore['update']>[0]): Promise<readonly SeriesWindow[]> {
  let seen: readonly SeriesWindow[] = [];
  await store.update(requests, (windows) => {
    seen = windows;
    return [];
  });
  return seen;
}

/** The window of one series from a list, whatever order the store returned them in. */
export const windowOf = (windows: readonly SeriesWindow[], series: SeriesKey): SeriesWindow | undefined =>
  windows.find((w) => w.series.agentId === series.agentId && w.series.poolId === series.poolId);
