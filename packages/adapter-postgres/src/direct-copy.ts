import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { SeriesWindow, StoredPoint } from '@sef/core';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { sqlState } from './errors.js';
import { copyText, nullable } from './stage.js';

/** Seconds from the unix epoch to PostgreSQL's (2000-01-01). */
const pgEpoch = 946_684_800;
/** The range `Date#toISOString` writes as a four-digit year (0001-01-01 … 9999-12-31), in ms. */
const minMs = -62_135_596_800_000;
const maxMs = 253_402_300_799_999;

/** `rint`: to the nearest integer, halves to even (the default rounding mode of C). */
function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Unix seconds as timestamptz text, rounded to the microsecond exactly as `to_timestamp(float8)` does
 * (subtract the PostgreSQL epoch, scale, `rint`), so a point copied as text lands on the same key as
 * one written through `to_timestamp`. `undefined` when the text form would need more than four year digits.
 */
export function timestampText(seconds: number): string | undefined {
  if (!Number.isFinite(seconds)) return undefined;
  // An integral double, as the int64 PostgreSQL keeps; far from 2000 it is past 2^53, so split it exactly.
  const sincePgEpoch = rint((seconds - pgEpoch) * 1e6);
  let ms: number;
  let micros: number;
  if (Number.isSafeInteger(sincePgEpoch)) {
    const unix = sincePgEpoch + pgEpoch * 1e6;
    ms = Math.floor(unix / 1000);
    micros = unix - ms * 1000;
  } else {
    const unix = BigInt(sincePgEpoch) + BigInt(pgEpoch) * 1_000_000n;
    const rem = ((unix % 1000n) + 1000n) % 1000n;
    ms = Number((unix - rem) / 1000n);
    micros = Number(rem);
  }
  if (ms < minMs || ms > maxMs) return undefined;
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 23)}${String(micros).padStart(3, '0')}+00`;
}

/**
 * The upserts that are certainly new rows: inside the range a window of their series covered (which
 * returned every stored point there) and not among its points. Read under the series' advisory locks,
 * so no other writer of the store can add them before commit. The rest keep the ON CONFLICT path.
 */
export function splitFresh(windows: readonly SeriesWindow[], upsert: readonly StoredPoint[]) {
  const bySeries = new Map<string, { left: number; right: number; stored: Set<number> }[]>();
  for (const w of windows) {
    const key = `${w.series.agentId}\u0000${w.series.poolId}`;
    const list = bySeries.get(key) ?? [];
    list.push({ left: w.left, right: w.right, stored: new Set(w.points.map((p) => p.timestamp)) });
    bySeries.set(key, list);
  }
  // Reports of one batch share few timestamps (every series reports each interval): format each once.
  const texts = new Map<number, string | undefined>();
  const text = (seconds: number) => {
    if (texts.has(seconds)) return texts.get(seconds);
    const t = timestampText(seconds);
    texts.set(seconds, t);
    return t;
  };
  const fresh: { point: StoredPoint; ts: string; replicaTs: string }[] = [];
  const rest: StoredPoint[] = [];
  for (const p of upsert) {
    const covered = bySeries.get(`${p.agentId}\u0000${p.poolId}`)?.some((w) => p.timestamp >= w.left && p.timestamp <= w.right && !w.stored.has(p.timestamp));
    const ts = covered ? text(p.timestamp) : undefined;
    const replicaTs = p.replicaTimestamp === null ? '\\N' : text(p.replicaTimestamp);
    if (ts === undefined || replicaTs === undefined) rest.push(p);
    else fresh.push({ point: p, ts, replicaTs });
  }
  return { fresh, rest };
}

function* lines(rows: readonly { point: StoredPoint; ts: string; replicaTs: string }[]): Generator<string> {
  const chunk = 2000;
  for (let i = 0; i < rows.length; i += chunk) {
    let out = '';
    for (let j = i; j < Math.min(rows.length, i + chunk); j++) {
      const { point: p, ts, replicaTs } = rows[j]!;
      out += `${copyText(p.agentId)}\t${copyText(p.poolId)}\t${ts}\t${p.price}\t${p.flag}\t${p.source}\t${nullable(p.primaryPrice)}\t${nullable(p.replicaPrice)}\t${replicaTs}\n`;
    }
    yield out;
  }
}

/**
 * COPYs rows known to be new straight into the table, inside a savepoint. Returns false (and has
 * rolled the savepoint back) if one was not new after all (a unique violation), so the caller can
 * write them through ON CONFLICT instead; any other error is thrown.
 */
export async function copyFresh(client: PoolClient, copy: string, rows: readonly { point: StoredPoint; ts: string; replicaTs: string }[]): Promise<boolean> {
  await client.query('SAVEPOINT sef_copy');
  try {
    await pipeline(Readable.from(lines(rows)), client.query(copyFrom(copy)));
  } catch (error) {
    if (sqlState(error) !== '23505') throw error;
    await client.query('ROLLBACK TO SAVEPOINT sef_copy');
    return false;
  }
  await client.query('RELEASE SAVEPOINT sef_copy');
  return true;
}
