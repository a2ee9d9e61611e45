import type { Lease, LeaseManager } from '@sef/core';
import type { Redis } from 'ioredis';
import { withRedis } from './errors.js';
import { leaseKeys, resolvePrefix } from './keys.js';
import { defineScript } from './scripts/define.js';
import { leaseAcquireScript, leaseReleaseScript, leaseRenewScript } from './scripts/lease-scripts.js';

export interface RedisLeaseManagerOptions {
  /** An ioredis client the caller owns (and closes). Without ioredis' own `keyPrefix` option. */
  readonly client: Redis;
  /** Prefix of every key; a lease is `<keyPrefix>lease:<key>`, its token counter `<keyPrefix>fence:<key>`. @default 'sef:' */
  readonly keyPrefix?: string | undefined;
}

/**
 * A {@link LeaseManager} on Redis: a lease is a key set with `SET … PX` holding `<token>:<owner>`, the
 * fencing token comes from `INCR` on a per-key counter, and renew/release compare the holder in Lua.
 * `expiresAt` is on the Redis server's clock (`TIME`), the clock that really expires the lease.
 * The token counter has no TTL on purpose: were it to expire, tokens would restart at 1 and a stale
 * holder's writes would pass the fence again. It costs one small key per agent. Should Redis lose it
 * anyway (a restart without persistence), `acquire`'s `above` (the highest token the stores have seen)
 * lifts the counter past every token issued before.
 * @example
 * const leases = createRedisLeaseManager({ client, keyPrefix: 'sef:' });
 * const lease = await leases.acquire(`agent:${agentId}`, instanceId, 30_000);
 * if (lease) await storage.agents.update(agentId, version, patch, { fencingToken: lease.token });
 */
export function createRedisLeaseManager(options: RedisLeaseManagerOptions): LeaseManager {
  const { client } = options;
  const prefix = resolvePrefix(client, options.keyPrefix);
  const acquireScript = defineScript(client, leaseAcquireScript);
  const renewScript = defineScript(client, leaseRenewScript);
  const releaseScript = defineScript(client, leaseReleaseScript);
  const ms = (ttlMs: number) => Math.max(1, Math.ceil(ttlMs));

  return {
    acquire(key, owner, ttlMs, opts) {
      return withRedis(client, 'lease acquire', async (): Promise<Lease | null> => {
        const k = leaseKeys(prefix, key);
        const reply = (await acquireScript(2, k.lease, k.fence, owner, ms(ttlMs), Math.max(0, Math.floor(opts?.above ?? 0)))) as [number, number] | null;
        if (reply === null) return null;
        return { key, owner, token: Number(reply[0]), expiresAt: Number(reply[1]) };
      });
    },
    renew(lease, ttlMs) {
      return withRedis(client, 'lease renew', async (): Promise<Lease | null> => {
        const reply = (await renewScript(1, leaseKeys(prefix, lease.key).lease, `${lease.token}:${lease.owner}`, ms(ttlMs))) as number | null;
        return reply === null ? null : { ...lease, expiresAt: Number(reply) };
      });
    },
    release(lease) {
      return withRedis(client, 'lease release', async () => {
        await releaseScript(1, leaseKeys(prefix, lease.key).lease, `${lease.token}:${lease.owner}`);
      });
    },
  };
}
