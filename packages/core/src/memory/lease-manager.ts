import type { Clock } from '../ports/clock.js';
import type { Lease, LeaseManager } from '../ports/lease-manager.js';

export interface MemoryLeaseManagerOptions {
  /** Decides when a lease expires. */
  readonly clock: Clock;
}

interface Held {
  readonly owner: string;
  readonly token: number;
  readonly expiresAt: number;
}

/**
 * An in-memory {@link LeaseManager} for one process (several SEF instances in one process share it, as in
 * tests). Tokens per key only ever increase, also after the lease was released.
 * @example
 * const leases = createMemoryLeaseManager({ clock: systemClock });
 * const lease = await leases.acquire('agent:a1', 'sef-1', 30_000);
 * if (lease) try { await act(lease.token); } finally { await leases.release(lease); }
 */
export function createMemoryLeaseManager(options: MemoryLeaseManagerOptions): LeaseManager {
  const { clock } = options;
  const held = new Map<string, Held>();
  const lastToken = new Map<string, number>();

  const holds = (lease: Lease): boolean => {
    const h = held.get(lease.key);
    return h !== undefined && h.owner === lease.owner && h.token === lease.token && h.expiresAt > clock.now();
  };

  return {
    async acquire(key, owner, ttlMs, opts) {
      const now = clock.now();
      const h = held.get(key);
      if (h && h.expiresAt > now) return null;
      const token = Math.max(lastToken.get(key) ?? 0, opts?.above ?? 0) + 1;
      lastToken.set(key, token);
      const lease: Lease = Object.freeze({ key, owner, token, expiresAt: now + ttlMs });
      held.set(key, { owner, token, expiresAt: lease.expiresAt });
      return lease;
    },
    async renew(lease, ttlMs) {
      if (!holds(lease)) return null;
      const expiresAt = clock.now() + ttlMs;
      held.set(lease.key, { owner: lease.owner, token: lease.token, expiresAt });
      return Object.freeze({ ...lease, expiresAt });
    },
    async release(lease) {
      const h = held.get(lease.key);
      if (h && h.owner === lease.owner && h.token === lease.token) held.delete(lease.key);
    },
  };
}
