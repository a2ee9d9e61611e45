import type { IngestQueue, QueueEntry } from '@sef/core';
import type { Redis } from 'ioredis';
import { withDeadline, withRedis } from './errors.js';
import { queueKey, resolvePrefix } from './keys.js';
import { decodeBatch, encodeBatch } from './queue-codec.js';
import { defineScript } from './scripts/define.js';
import { queueAckScript, queueClaimScript } from './scripts/queue-scripts.js';

export interface RedisIngestQueueOptions {
  /** An ioredis client the caller owns (and closes). Without ioredis' own `keyPrefix` option. */
  readonly client: Redis;
  /** Prefix of every key; the stream is `<keyPrefix>queue`. @default 'sef:' */
  readonly keyPrefix?: string | undefined;
  /** Consumer group shared by every SEF instance of one deployment. @default 'sef' */
  readonly group?: string;
  /**
   * A consumer idle this long with no entry pending is removed from the group by the next claim (any
   * instance's), so the names of dead processes do not pile up. A live consumer removed this way is
   * created again by its next read. @default 3_600_000 (1 h)
   */
  readonly forgetConsumerAfterMs?: number;
  /**
   * `enqueue` rejects with core's `UnavailableError` when Redis has not confirmed the XADD within this many
   * ms (a frozen server): what a request waits before it answers 503 instead of waiting out the client's
   * command timeout. The entry may still land after the rejection; nothing was acknowledged for it, and a
   * retried batch is absorbed by the idempotent store. @default undefined (the client's `commandTimeout` only)
   */
  readonly enqueueTimeoutMs?: number;
}

/** Ids per acknowledgement call. */
const ackChunk = 1000;

/**
 * An {@link IngestQueue} on a Redis stream with one consumer group: `enqueue` is one XADD of the whole
 * batch; `claim` reclaims entries idle for `minIdleMs` from dead consumers (XAUTOCLAIM), reads new ones,
 * and forgets consumers long idle with nothing pending; `ack` acknowledges and deletes in one script. The
 * stream is never trimmed, so an unacknowledged entry stays until acknowledged. Durability is Redis' own: use AOF (`appendfsync everysec` or `always`)
 * and replicas for a queue that survives a Redis crash.
 * @example
 * const queue = createRedisIngestQueue({ client, keyPrefix: 'sef:' });
 * await queue.enqueue(accepted); // in the stream before the HTTP answer
 * for (const e of await queue.claim(`${hostname()}-${process.pid}`, { max: 8, minIdleMs: 30_000 })) {
 *   await store(e.reports);
 *   await queue.ack([e.id]); // only after the store committed
 * }
 */
export function createRedisIngestQueue(options: RedisIngestQueueOptions): IngestQueue {
  const { client } = options;
  const stream = queueKey(resolvePrefix(client, options.keyPrefix));
  const group = options.group ?? 'sef';
  const forgetAfter = String(Math.max(0, Math.floor(options.forgetConsumerAfterMs ?? 3_600_000)));
  const claimScript = defineScript(client, queueClaimScript);
  const ackScript = defineScript(client, queueAckScript);
  const { enqueueTimeoutMs } = options;
  let groupReady = false;

  /**
   * Creates the group from id 0, so that a group created after the first XADD still delivers everything.
   * False while the stream does not exist: nothing to claim then, and a claim leaves no empty stream behind.
   */
  const ensureGroup = async (): Promise<boolean> => {
    try {
      await client.xgroup('CREATE', stream, group, '0');
    } catch (error) {
      const message = error instanceof Error ? error.message : '';
      if (message.includes('requires the key to exist')) return false;
      if (!message.startsWith('BUSYGROUP')) throw error;
    }
    return true;
  };

  const claimOnce = async (consumer: string, max: number, minIdleMs: number): Promise<QueueEntry[]> => {
    if (!groupReady) {
      if (!(await ensureGroup())) return [];
      groupReady = true;
    }
    const rows = (await claimScript(1, stream, group, consumer, max, Math.max(0, Math.floor(minIdleMs)), forgetAfter)) as [string, number, string][];
    return rows.map(([id, deliveries, payload]) => ({ id, deliveries: Number(deliveries), reports: decodeBatch(id, payload) }));
  };

  return {
    enqueue(reports) {
      return withRedis(client, 'queue enqueue', async () => {
        const added = client.xadd(stream, '*', 'r', encodeBatch(reports)) as Promise<string>;
        return enqueueTimeoutMs === undefined ? added : withDeadline(added, enqueueTimeoutMs, 'queue enqueue');
      });
    },
    claim(consumer, { max, minIdleMs }) {
      if (max <= 0) return Promise.resolve([]);
      return withRedis(client, 'queue claim', async () => {
        try {
          return await claimOnce(consumer, max, minIdleMs);
        } catch (error) {
          // The stream (and with it the group) is gone, e.g. after a Redis restart without persistence.
          if (!(error instanceof Error && error.message.includes('NOGROUP'))) throw error;
          groupReady = false;
          return claimOnce(consumer, max, minIdleMs);
        }
      });
    },
    ack(ids) {
      if (ids.length === 0) return Promise.resolve();
      return withRedis(client, 'queue ack', async () => {
        const calls: Promise<unknown>[] = [];
        for (let i = 0; i < ids.length; i += ackChunk) calls.push(ackScript(1, stream, group, ...ids.slice(i, i + ackChunk)));
        await Promise.all(calls);
      });
    },
    pending() {
      return withRedis(client, 'queue pending', () => client.xlen(stream));
    },
    oldestEnqueuedAt() {
      return withRedis(client, 'queue oldest', async () => {
        // Acknowledged entries are deleted, so the stream's first entry is the oldest pending one; its id starts with the ms of its XADD.
        const [first] = (await client.xrange(stream, '-', '+', 'COUNT', 1)) as [string, string[]][];
        return first === undefined ? undefined : Number(first[0].slice(0, first[0].indexOf('-')));
      });
    },
  };
}
