/** A held lease. `token` is the fencing token: it increases on every acquisition of the key. */
export interface Lease {
  readonly key: string;
  readonly owner: string;
  readonly token: number;
  /** ms */
  readonly expiresAt: number;
}

export interface AcquireOptions {
  /** The new token is greater than this (the highest token the checking store has seen). @default 0 */
  readonly above?: number;
}

/**
 * Per-key leases with fencing tokens, used as one lease per agent so that one SEF instance at a time acts
 * on an agent. A lease can lapse while its holder is paused; the holder's writes then carry a token lower
 * than the new holder's and are refused by the stores (`StaleFencingTokenError`).
 *
 * Promises:
 * - `acquire` succeeds only when the key is free or its lease expired; each success returns a token
 *   greater than every token issued before for that key, and greater than `options.above`: the highest
 *   token the stores have seen, so that a counter that lost its state (Redis restarted without
 *   persistence) resumes above it instead of issuing tokens every store refuses.
 * - `renew` extends a lease only while the caller still holds it (same owner and token, not expired).
 * - `release` frees the key only if the caller still holds it.
 * - `now` is ms from the caller's clock (in-memory) or the server's clock (Redis); see each implementation.
 */
export interface LeaseManager {
  acquire(key: string, owner: string, ttlMs: number, options?: AcquireOptions): Promise<Lease | null>;
  renew(lease: Lease, ttlMs: number): Promise<Lease | null>;
  release(lease: Lease): Promise<void>;
}
