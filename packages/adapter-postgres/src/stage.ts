import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { StoredPoint } from '@sef/core';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** A text field in COPY text format: backslash, tab and line breaks escaped. */
const copyText = (s: string): string => (/[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!) : s);
const nullable = (n: number | null): string => (n === null ? '\\N' : String(n));

function* lines(points: readonly StoredPoint[]): Generator<string> {
  const chunk = 2000;
  for (let i = 0; i < points.length; i += chunk) {
    let out = '';
    for (const p of points.slice(i, i + chunk)) {
      // String(n) is the shortest text that parses back to the same double, so prices round-trip exactly.
      out += `${copyText(p.agentId)}\t${copyText(p.poolId)}\t${p.timestamp}\t${p.price}\t${p.flag}\t${p.source}\t${nullable(p.primaryPrice)}\t${nullable(p.replicaPrice)}\t${nullable(p.replicaTimestamp)}\n`;
    }
    yield out;
  }
}

/**
 * Fills the session's staging table with `points` by COPY. The table is created if missing (in this
 * transaction: a rollback takes it away again) and emptied at every commit.
 */
export async function copyStage(client: PoolClient, create: string, copy: string, points: readonly StoredPoint[]): Promise<void> {
  await client.query(create);
  await pipeline(Readable.from(lines(points)), client.query(copyFrom(copy)));
}
