import { StorageError, type FlagCounts, type PriceStore, type QualityFlag, type SeriesChange, type SeriesKey, type SeriesWindow, type SeriesWindowRequest, type StoredPoint } from '@sef/core';
import { copyFresh, splitFresh } from './direct-copy.js';
import { CallerError, query, queryArrays, transaction, type Db } from './db.js';
import { monitoringSql, dataQualityRow } from './monitoring-sql.js';
import { priceSql } from './price-sql.js';
import { pointFromRow } from './rows.js';
import { seriesLockKeys } from './series-lock.js';
import { copyStage } from './stage.js';
import type { Tables } from './tables.js';

export interface PostgresPriceStoreOptions {
  /**
   * Upserts of at least this many points go through COPY: the rows known to be new straight into the table,
   * the others into a staging table and INSERT … ON CONFLICT; smaller ones through `unnest`. @default 2000
   */
  readonly copyThreshold?: number;
}

const flags: readonly QualityFlag[] = ['single_source', 'verified_dual_source', 'averaged_dual_source', 'interpolated'];

/**
 * The {@link PriceStore} on `pricing_reports`. Each `update` is one transaction: advisory locks on its
 * series (sorted, so concurrent calls never deadlock), one set-based read of every window, `compute`,
 * then one DELETE, one COPY of the rows known to be new and one INSERT … ON CONFLICT for the others. Retried whole on serialization
 * failures, deadlocks and lost connections; nothing of a failed attempt is applied.
 */
export function createPostgresPriceStore(db: Db, t: Tables, options: PostgresPriceStoreOptions = {}): PriceStore {
  const sql = priceSql(t);
  const monitoring = monitoringSql(t, 'to_timestamp($1::float8)');
  const copyThreshold = options.copyThreshold ?? 2000;

  return {
    async update(requests: readonly SeriesWindowRequest[], compute: (windows: readonly SeriesWindow[]) => readonly SeriesChange[]) {
      const agentIds = requests.map((r) => r.series.agentId);
      const poolIds = requests.map((r) => r.series.poolId);
      const keys = seriesLockKeys(requests.map((r) => r.series));
      const series = new Set(requests.map((r) => `${r.series.agentId}\u0000${r.series.poolId}`));
      await transaction(db, 'PriceStore.update', async (client) => {
        if (keys.length > 0) await client.query(sql.lock, [keys]);
        const windows = requests.length === 0 ? [] : readWindows(
          await client.query<unknown[]>({
            text: sql.windows,
            values: [agentIds, poolIds, requests.map((r) => r.from), requests.map((r) => r.to)],
            rowMode: 'array',
          }),
          requests,
        );
        let changes: readonly SeriesChange[];
        try {
          changes = compute(windows);
        } catch (error) {
          throw new CallerError(error);
        }
        const { remove, upsert } = flatten(changes);
        const stray = findStray(changes, upsert, series);
        if (stray) throw new CallerError(new StorageError(`A change of ${stray.agentId}/${stray.poolId} is for a series the update did not lock`, { retryable: false }));
        if (remove.ts.length > 0) await client.query(sql.remove, [remove.agentIds, remove.poolIds, remove.ts]);
        let rest = upsert;
        if (upsert.length >= copyThreshold) {
          // New rows (in-order appends, mostly) skip the staging table and ON CONFLICT: plain COPY, as `\copy` does.
          const split = splitFresh(windows, upsert);
          if (split.fresh.length >= copyThreshold && (await copyFresh(client, sql.copyFresh, split.fresh))) rest = split.rest;
        }
        if (rest.length === 0) return;
        if (rest.length >= copyThreshold) {
          await copyStage(client, sql.stageCreate, sql.stageCopy, rest);
          await client.query(sql.upsertFrom('sef_price_stage'));
        } else {
          await client.query(sql.upsertFrom(sql.unnestSource), columns(rest));
        }
      });
    },

    async timeline(series: SeriesKey, from: number, to: number): Promise<StoredPoint[]> {
      const rows = await queryArrays(db, 'PriceStore.timeline', { text: sql.timeline, values: [series.agentId, series.poolId, from, to] });
      return rows.map((r) => pointFromRow(r));
    },

    async seriesOf(agentId: string): Promise<SeriesKey[]> {
      const rows = await query<{ pool_id: string }>(db, 'PriceStore.seriesOf', sql.seriesOf, [agentId]);
      return rows.map((r) => ({ agentId, poolId: r.pool_id }));
    },

    async countByFlag(agentId?: string): Promise<FlagCounts> {
      const rows = await query<{ flag: QualityFlag; n: number }>(db, 'PriceStore.countByFlag', sql.countByFlag, [agentId ?? null]);
      const counts = Object.fromEntries(flags.map((f) => [f, 0])) as Record<QualityFlag, number>;
      for (const r of rows) counts[r.flag] = r.n;
      return counts;
    },

    async dataQualityByDay(since: number) {
      const rows = await query(db, 'PriceStore.dataQualityByDay', monitoring.dataQuality, [since]);
      return rows.map(dataQualityRow);
    },
  };
}

/** Rows of the window query (request index, left, right, point…) → one window per request, in order. */
function readWindows(result: { rows: unknown[][] }, requests: readonly SeriesWindowRequest[]): SeriesWindow[] {
  const windows = requests.map((r) => ({ series: r.series, left: r.from, right: r.to, points: [] as StoredPoint[] }));
  for (const row of result.rows) {
    const w = windows[Number(row[0]) - 1]!;
    w.left = row[1] as number;
    w.right = row[2] as number;
    if (row[3] !== null) w.points.push(pointFromRow(row, 3));
  }
  return windows;
}

/** The changes as column arrays; later upserts of the same (series, timestamp) win, so ON CONFLICT sees each key once. */
function flatten(changes: readonly SeriesChange[]) {
  const remove = { agentIds: [] as string[], poolIds: [] as string[], ts: [] as number[] };
  for (const c of changes) {
    for (const ts of c.remove) {
      remove.agentIds.push(c.series.agentId);
      remove.poolIds.push(c.series.poolId);
      remove.ts.push(ts);
    }
  }
  return { remove, upsert: distinctOrNull(changes) ?? dedupe(changes) };
}

/** The upserts as they are when each change has its own series and rising timestamps (the usual case), else null. */
function distinctOrNull(changes: readonly SeriesChange[]): StoredPoint[] | null {
  const seen = new Set<string>();
  const out: StoredPoint[] = [];
  for (const c of changes) {
    const key = `${c.series.agentId}\u0000${c.series.poolId}`;
    if (seen.has(key)) return null;
    seen.add(key);
    let last = -Infinity;
    for (const p of c.upsert) {
      if (p.agentId !== c.series.agentId || p.poolId !== c.series.poolId || !(p.timestamp > last)) return null;
      last = p.timestamp;
      out.push(p);
    }
  }
  return out;
}

function dedupe(changes: readonly SeriesChange[]): StoredPoint[] {
  const byKey = new Map<string, StoredPoint>();
  for (const c of changes) for (const p of c.upsert) byKey.set(`${p.agentId}\u0000${p.poolId}\u0000${p.timestamp}`, p);
  return [...byKey.values()];
}

/** The first series of a change or upsert that is not in `locked` (keys `agent\0pool`); runs of one series are checked once. */
function findStray(changes: readonly SeriesChange[], upsert: readonly StoredPoint[], locked: ReadonlySet<string>): SeriesKey | undefined {
  for (const c of changes) if (!locked.has(`${c.series.agentId}\u0000${c.series.poolId}`)) return c.series;
  let last: StoredPoint | undefined;
  for (const p of upsert) {
    if (last !== undefined && p.agentId === last.agentId && p.poolId === last.poolId) continue;
    if (!locked.has(`${p.agentId}\u0000${p.poolId}`)) return p;
    last = p;
  }
  return undefined;
}

function columns(points: readonly StoredPoint[]): unknown[] {
  return [
    points.map((p) => p.agentId),
    points.map((p) => p.poolId),
    points.map((p) => p.timestamp),
    points.map((p) => p.price),
    points.map((p) => p.flag),
    points.map((p) => p.source),
    points.map((p) => p.primaryPrice),
    points.map((p) => p.replicaPrice),
    points.map((p) => p.replicaTimestamp),
  ];
}
