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
  /** Stream: the buffer's decisions, entry `<n>-0` (field `d`: JSON), in the one order every instance applies. */
  log: `${prefix}buf:log`,
  /** Number of the last entry appended to the log. */
  head: `${prefix}buf:head`,
  /** Number of reports waiting. */
  count: `${prefix}buf:count`,
});

/** Key of the ingest stream under `prefix`. */
export const queueKey = (prefix: string) => `${prefix}queue`;

/** Keys of one lease under `prefix`. */
export const leaseKeys = (prefix: string, key: string) => ({
  lease: `${prefix}lease:${key}`,
  fence: `${prefix}fence:${key}`,
});
