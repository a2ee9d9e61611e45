import { StorageError } from '../errors/index.js';
import type { DataQualityDay, FlagCounts, PriceStore, SeriesChange, SeriesWindow, SeriesWindowRequest } from '../ports/price-store.js';
import type { QualityFlag, SeriesKey, StoredPoint } from '../ports/types.js';

/** First index whose timestamp is >= t (or > t with `after`). */
function search(points: readonly StoredPoint[], t: number, after = false): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const ts = points[mid]!.timestamp;
    if (ts < t || (after && ts === t)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The window of the port: `[from, to]` widened to the neighbouring real points. */
function readWindow(points: readonly StoredPoint[], request: SeriesWindowRequest): SeriesWindow {
  let start = search(points, request.from);
  let left = request.from;
  for (let i = start - 1; i >= 0; i--) {
    if (points[i]!.flag !== 'interpolated') {
      left = points[i]!.timestamp;
      start = i;
      break;
    }
  }
  let end = search(points, request.to, true);
  let right = request.to;
  for (let i = end; i < points.length; i++) {
    if (points[i]!.flag !== 'interpolated') {
      right = points[i]!.timestamp;
      end = i + 1;
      break;
    }
  }
  return { series: request.series, left, right, points: points.slice(start, end) };
}

/** Applies upserts (by timestamp) and removals to one sorted series in place; removals first. `tally` sees each point added (+1) and dropped (-1). */
function applyChange(points: StoredPoint[], change: SeriesChange, tally: (p: StoredPoint, delta: 1 | -1) => void): void {
  const { upsert, remove } = change;
  const last = points[points.length - 1];
  let ordered = remove.length === 0;
  for (let i = 0; ordered && i < upsert.length; i++) {
    const prev = i === 0 ? last : upsert[i - 1];
    if (prev !== undefined && prev.timestamp >= upsert[i]!.timestamp) ordered = false;
  }
  if (ordered) {
    // The common case: an in-order append.
    for (const p of upsert) {
      points.push(p);
      tally(p, 1);
    }
    return;
  }
  const incoming = new Map<number, StoredPoint>();
  for (const p of upsert) incoming.set(p.timestamp, p);
  const gone = new Set(remove);
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of [...incoming.keys(), ...remove]) {
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  const from = search(points, lo);
  const to = search(points, hi, true);
  const added = [...incoming.values()].sort((a, b) => a.timestamp - b.timestamp);
  const merged: StoredPoint[] = [];
  let j = 0;
  for (let i = from; i < to; i++) {
    const p = points[i]!;
    while (j < added.length && added[j]!.timestamp < p.timestamp) merged.push(added[j++]!);
    if (incoming.has(p.timestamp) || gone.has(p.timestamp)) {
      tally(p, -1);
      continue;
    }
    merged.push(p);
  }
  while (j < added.length) merged.push(added[j++]!);
  for (const p of added) tally(p, 1);
  if (merged.length <= 1000) {
    points.splice(from, to - from, ...merged);
    return;
  }
  // Rebuilt by hand: `splice(from, n, ...merged)` overflows the call stack for large changes.
  const tail = points.slice(to);
  points.length = from;
  for (const p of merged) points.push(p);
  for (const p of tail) points.push(p);
}

const daySeconds = 86_400;

interface DayCounts {
  total: number;
  interpolated: number;
  averaged: number;
}

const emptyCounts = (): Record<QualityFlag, number> => ({ single_source: 0, verified_dual_source: 0, averaged_dual_source: 0, interpolated: 0 });

/**
 * An in-memory {@link PriceStore}: per series a timestamp-sorted array. `update` reads, computes and
 * writes synchronously, so calls never interleave and a `compute` that throws applies nothing.
 * @example
 * const prices = createMemoryPriceStore();
 * await storeReports(prices, reports, parseConfig());
 * await prices.timeline({ agentId: 'a1', poolId: 'us-east-1a:c5.large' }, 0, Infinity);
 */
export function createMemoryPriceStore(): PriceStore {
  const agents = new Map<string, Map<string, StoredPoint[]>>();
  const seriesPoints = (s: SeriesKey, create: boolean): StoredPoint[] | undefined => {
    let pools = agents.get(s.agentId);
    if (pools === undefined) {
      if (!create) return undefined;
      agents.set(s.agentId, (pools = new Map()));
    }
    let points = pools.get(s.poolId);
    if (points === undefined && create) pools.set(s.poolId, (points = []));
    return points;
  };
  // Points per UTC day, kept as points come and go: the sweep asks for today's figures every cleanupInterval,
  // which must not scan every stored point.
  const days = new Map<number, DayCounts>();
  const tally = (p: StoredPoint, delta: 1 | -1) => {
    const day = Math.floor(p.timestamp / daySeconds);
    let d = days.get(day);
    if (d === undefined) days.set(day, (d = { total: 0, interpolated: 0, averaged: 0 }));
    d.total += delta;
    if (p.flag === 'interpolated') d.interpolated += delta;
    else if (p.flag === 'averaged_dual_source') d.averaged += delta;
    if (d.total === 0) days.delete(day);
  };
  const allPoints = function* (agentId?: string): Generator<StoredPoint> {
    for (const [agent, pools] of agents) {
      if (agentId !== undefined && agent !== agentId) continue;
      for (const points of pools.values()) yield* points;
    }
  };

  return {
    async update(requests, compute) {
      const windows = requests.map((r) => readWindow(seriesPoints(r.series, false) ?? [], r));
      const changes = compute(windows);
      for (const c of changes) {
        for (const p of c.upsert) {
          if (p.agentId !== c.series.agentId || p.poolId !== c.series.poolId) {
            throw new StorageError(`A point of ${p.agentId}/${p.poolId} was written to series ${c.series.agentId}/${c.series.poolId}`, { retryable: false });
          }
        }
      }
      for (const c of changes) applyChange(seriesPoints(c.series, true)!, c, tally);
    },
    async timeline(series, from, to) {
      const points = seriesPoints(series, false) ?? [];
      return points.slice(search(points, from), search(points, to, true));
    },
    async seriesOf(agentId) {
      const pools = agents.get(agentId);
      if (pools === undefined) return [];
      return [...pools.entries()]
        .filter(([, points]) => points.length > 0)
        .map(([poolId]) => ({ agentId, poolId }))
        .sort((a, b) => (a.poolId < b.poolId ? -1 : a.poolId > b.poolId ? 1 : 0));
    },
    async countByFlag(agentId): Promise<FlagCounts> {
      const counts = emptyCounts();
      for (const p of allPoints(agentId)) counts[p.flag]++;
      return counts;
    },
    async dataQualityByDay(since): Promise<DataQualityDay[]> {
      const firstDay = Math.floor(since / daySeconds);
      const counted = new Map<number, DayCounts>();
      for (const [day, d] of days) if (day > firstDay || (day === firstDay && since === firstDay * daySeconds)) counted.set(day, d);
      if (since !== firstDay * daySeconds) {
        // `since` inside a day: that day counts only its points from `since` on.
        const partial: DayCounts = { total: 0, interpolated: 0, averaged: 0 };
        const dayEnd = (firstDay + 1) * daySeconds;
        for (const pools of agents.values()) {
          for (const points of pools.values()) {
            for (let i = search(points, since); i < points.length && points[i]!.timestamp < dayEnd; i++) {
              const p = points[i]!;
              partial.total++;
              if (p.flag === 'interpolated') partial.interpolated++;
              else if (p.flag === 'averaged_dual_source') partial.averaged++;
            }
          }
        }
        if (partial.total > 0) counted.set(firstDay, partial);
      }
      return [...counted.entries()]
        .sort(([a], [b]) => b - a)
        .map(([day, d]) => ({
          date: new Date(day * 86_400_000).toISOString().slice(0, 10),
          totalPoints: d.total,
          interpolated: d.interpolated,
          averaged: d.averaged,
          pctInterpolated: Math.round((10_000 * d.interpolated) / d.total) / 100,
        }));
    },
  };
}
