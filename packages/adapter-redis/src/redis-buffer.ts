import type { BufferPolicy, DedupeBuffer, SourceReport } from '@sef/core';
import type { Redis } from 'ioredis';
import { decodeEntry, packWaiting } from './buffer-codec.js';
import { withRedis } from './errors.js';
import { bufferKeys, parseSeriesId, resolvePrefix, seriesId } from './keys.js';
import { packBatch } from './msgpack-batch.js';
import { bufferAddScript, bufferReleaseScript } from './scripts/buffer-scripts.js';
import { defineScript } from './scripts/define.js';

export interface RedisBufferOptions {
  /** An ioredis client the caller owns (and closes). Without ioredis' own `keyPrefix` option. */
  readonly client: Redis;
  /** Prefix of every key; the buffer's keys are `<keyPrefix>buf:*`. Use a hash tag (`{sef}:`) on Redis Cluster. @default 'sef:' */
  readonly keyPrefix?: string | undefined;
  /**
   * Lifetime of the buffer's keys, renewed by every write that holds a report. A safety net for a prefix
   * nobody sweeps any more; it must be far longer than the window plus the sweep interval, or waiting
   * reports would vanish unreleased. @default 86_400_000 (24 h)
   */
  readonly keyTtlMs?: number;
  /** Reports per script call: bounds how long one call holds the Redis event loop (a few µs per report). @default 1000 */
  readonly chunkSize?: number;
  /** Series visited per sweep call, for the same reason. @default 200 */
  readonly sweepPageSize?: number;
}

/**
 * A {@link DedupeBuffer} shared by every SEF instance on one Redis. The waiting reports of a series are
 * one hash field, sorted by timestamp; pairing, the lower-price rule and expiry run in Lua scripts, so a
 * primary and its replica added at the same moment through two instances are released exactly once, and
 * so are expired reports under several sweepers. Many reports go into one script call, which reads and
 * writes every series it touches with one HMGET and one HSET.
 * @example
 * const client = new Redis(process.env.REDIS_URL, redisClientOptions);
 * const buffer = createRedisBuffer({ client, keyPrefix: 'sef:' });
 * const released = await buffer.add(reports, Date.now(), { timeTolerance: 30, windowMs: 300_000 });
 */
export function createRedisBuffer(options: RedisBufferOptions): DedupeBuffer {
  const { client } = options;
  const prefix = resolvePrefix(client, options.keyPrefix);
  const keys = bufferKeys(prefix);
  const ttl = options.keyTtlMs ?? 86_400_000;
  const chunkSize = options.chunkSize ?? 1000;
  const pageSize = options.sweepPageSize ?? 200;
  const addScript = defineScript(client, bufferAddScript);
  const releaseScript = defineScript(client, bufferReleaseScript);

  const addChunk = async (reports: readonly SourceReport[], now: number, policy: BufferPolicy, firstDelivery: boolean): Promise<SourceReport[]> => {
    // Grouped by series (arrival order kept within each): the script reads and writes each series once.
    const groups = new Map<string, SourceReport[]>();
    for (const r of reports) {
      const id = seriesId(r);
      const g = groups.get(id);
      if (g === undefined) groups.set(id, [r]);
      else g.push(r);
    }
    const arrived = String(now);
    const batch: (string | number)[] = [];
    const order: SourceReport[] = [];
    for (const [id, rs] of groups) {
      batch.push(id, rs.length);
      for (const r of rs) {
        batch.push(r.timestamp, packWaiting(r, arrived));
        order.push(r);
      }
    }
    // Pair records are looked up in this window's bucket and the one before, so each lives at least a
    // window; a bucket lives three windows after its last write (room for clock skew between instances).
    const bucket = Math.floor(now / policy.windowMs);
    const reply = (await addScript(
      5,
      keys.series,
      keys.due,
      keys.count,
      keys.paired(bucket),
      keys.paired(bucket - 1),
      arrived,
      String(policy.timeTolerance),
      String(ttl),
      String(3 * policy.windowMs),
      firstDelivery ? '0' : '1',
      packBatch(batch),
    )) as (number | string)[];
    const released: SourceReport[] = [];
    for (let i = 0; i < reply.length; i += 2) {
      const report = order[Number(reply[i]) - 1]!;
      released.push(decodeEntry(report, String(reply[i + 1])), report);
    }
    return released;
  };

  return {
    add(reports, now, policy, options) {
      if (reports.length === 0) return Promise.resolve([]);
      return withRedis(client, 'buffer add', async () => {
        const chunks: SourceReport[][] = [];
        for (let i = 0; i < reports.length; i += chunkSize) chunks.push(reports.slice(i, i + chunkSize));
        // Sent together on one connection, the chunks still run in order: a later one sees the earlier ones.
        const results = await Promise.all(chunks.map((c) => addChunk(c, now, policy, options?.firstDelivery === true)));
        return results.flat();
      });
    },
    releaseExpired(now, policy) {
      return withRedis(client, 'buffer sweep', async () => {
        const out: SourceReport[] = [];
        for (;;) {
          const [more, groups] = (await releaseScript(3, keys.series, keys.due, keys.count, String(now - policy.windowMs), pageSize)) as [
            number,
            [string, string[]][],
          ];
          for (const [id, members] of groups) {
            const series = parseSeriesId(id);
            for (const m of members) out.push(decodeEntry(series, m));
          }
          if (Number(more) === 0) return out;
        }
      });
    },
    size() {
      return withRedis(client, 'buffer size', async () => Number((await client.get(keys.count)) ?? 0));
    },
  };
}
