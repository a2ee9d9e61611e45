import { ConfigError } from '@sef/core';
import type { Redis } from 'ioredis';
import type { SeriesKey } from '@sef/core';

/** Prefix of every key when the caller gives none. */
export const defaultKeyPrefix = 'sef:';

/**
 * Resolves the key prefix and refuses a client with ioredis' own `keyPrefix`: the scripts build some key
 * names on the server, where ioredis cannot add its prefix, so the two would disagree.
 */
export function resolvePrefix(client: Redis, keyPrefix: string | undefined): string {
  const clientPrefix = (client.options as { keyPrefix?: string } | undefined)?.keyPrefix;
  if (clientPrefix) {
    throw new ConfigError([
      { path: 'client.options.keyPrefix', code: 'unsupported', message: `use the adapter's keyPrefix option instead of ioredis' keyPrefix (${clientPrefix})` },
    ]);
  }
  return keyPrefix ?? defaultKeyPrefix;
}

/**
 * A series as a key suffix: `<agentId length>:<agentId>:<poolId>`. The length makes it unambiguous for
 * any id (agent ids may contain `:`), and the suffix stays readable in `redis-cli`.
 */
export function seriesId(series: SeriesKey): string {
  return `${series.agentId.length}:${series.agentId}:${series.poolId}`;
}

/** The inverse of {@link seriesId}. */
export function parseSeriesId(id: string): SeriesKey {
  const colon = id.indexOf(':');
  const length = Number(id.slice(0, colon));
  const agentId = id.slice(colon + 1, colon + 1 + length);
  return { agentId, poolId: id.slice(colon + 2 + length) };
}

/** Key names of the dedupe buffer under `prefix`. */
export const bufferKeys = (prefix: string) => ({
  /** Hash: series id → the series' waiting reports, packed and sorted by timestamp (`@<ms>` once an add emptied it). */
  series: `${prefix}buf:series`,
  /** Sorted set: series id → a time (ms) at or before the earliest arrival of a report waiting in it. */
  due: `${prefix}buf:due`,
  /** Number of reports waiting. */
  count: `${prefix}buf:count`,
  /**
   * Hash per window-long time bucket: `<series id>|<role><timestamp>` of a report that found its twin →
   * `<paired ms>|<twin entry>`. Bucket `b` holds the pairs made in `[b·window, (b+1)·window)`.
   */
  paired: (bucket: number) => `${prefix}buf:paired:${bucket}`,
});

/** Key of the ingest stream under `prefix`. */
export const queueKey = (prefix: string) => `${prefix}queue`;

/** Keys of one lease under `prefix`. */
export const leaseKeys = (prefix: string, key: string) => ({
  lease: `${prefix}lease:${key}`,
  fence: `${prefix}fence:${key}`,
});
