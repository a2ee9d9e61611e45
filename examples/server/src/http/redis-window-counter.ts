import type { Redis } from 'ioredis';

/** One count of a fixed window: the count so far (this request included) and the ms left in the window. */
export interface WindowCount {
  readonly count: number;
  readonly ttlMs: number;
}

// INCR, and the window's expiry set by its first request; one round trip, atomic.
const windowScript = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) ttl = tonumber(ARGV[1]) end
return {count, ttl}`;

interface WindowCommand {
  sefRateWindow?(key: string, windowMs: number): Promise<[number, number]>;
}

/**
 * A fixed-window counter per key in Redis, shared by every server on it: `count(key)` counts one request
 * at `<nameSpace><key>` (the key expires with its window).
 */
export function createRedisWindowCounter(client: Redis, nameSpace: string, windowMs: number) {
  const redis = client as unknown as WindowCommand;
  if (typeof redis.sefRateWindow !== 'function') client.defineCommand('sefRateWindow', { numberOfKeys: 1, lua: windowScript });
  return async (key: string): Promise<WindowCount> => {
    const [count, ttlMs] = await redis.sefRateWindow!(`${nameSpace}${key}`, windowMs);
    return { count: Number(count), ttlMs: Number(ttlMs) };
  };
}
