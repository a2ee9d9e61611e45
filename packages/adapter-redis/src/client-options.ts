import type { RedisOptions } from 'ioredis';

/**
 * ioredis options that make the adapters fail fast while Redis is away: no offline queue (a command sent
 * while disconnected rejects at once), one retry for a command caught by a dropped connection, and a
 * command timeout for a server that stopped answering. The adapters map each of these failures to core's
 * `UnavailableError`, which the server answers with 503. Reconnecting continues in the background.
 * @example
 * const client = new Redis(process.env.REDIS_URL, redisClientOptions);
 * await once(client, 'ready'); // commands before the first connection would fail at once
 */
export const redisClientOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 5_000,
  connectTimeout: 5_000,
} as const satisfies RedisOptions;
