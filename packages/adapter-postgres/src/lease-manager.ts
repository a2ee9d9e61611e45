import type { Lease, LeaseManager } from '@sef/core';
import type { Pool } from 'pg';
import { query, warnConnectionError, type Db } from './db.js';
import { tables, toMs } from './tables.js';

export interface PostgresLeaseManagerOptions {
  /** A `pg` pool the caller owns (and ends). Run {@link migrate} on it before the first use. */
  readonly pool: Pool;
  /** Schema of the tables. @default unqualified names, found through the connection's `search_path` */
  readonly schema?: string;
  /** Connection errors no query was waiting for. @default emits a process warning */
  readonly onError?: (error: Error) => void;
}

/**
 * A {@link LeaseManager} on PostgreSQL, for deployments of several SEF instances without Redis. Each
 * operation is one statement on the `sef_leases` row of the key: `acquire` inserts it or takes over an
 * expired one (`INSERT … ON CONFLICT DO UPDATE … WHERE expires_at <= now`, so of many racing acquirers
 * exactly one gets the row), raising its token by one; the row stays after `release`, so tokens only ever
 * grow. Expiry times come from the database server's clock (`clock_timestamp()`), the one clock every SEF
 * instance shares.
 * @example
 * const leases = createPostgresLeaseManager({ pool, schema: 'sef' });
 * const sef = createSef({ storage: createPostgresStorage({ pool, schema: 'sef' }), cloud, leases });
 */
export function createPostgresLeaseManager(options: PostgresLeaseManagerOptions): LeaseManager {
  const t = tables(options.schema);
  const onError = options.onError ?? warnConnectionError;
  const db: Db = { pool: options.pool, onError, attempts: 1 };
  options.pool.on('error', onError);
  const expiry = `clock_timestamp() + $3::float8 * interval '1 millisecond'`;
  const returning = `RETURNING token, ${toMs('expires_at')} AS expires_at`;
  /** Runs a statement that returns the lease row it took or extended; null when it matched none. */
  const leaseFrom = async (what: string, text: string, values: unknown[], key: string, owner: string): Promise<Lease | null> => {
    const [row] = await query<{ token: string; expires_at: number }>(db, what, text, values);
    return row === undefined ? null : { key, owner, token: Number(row.token), expiresAt: row.expires_at };
  };

  return {
    acquire(key, owner, ttlMs, opts) {
      return leaseFrom(
        'lease acquire',
        `INSERT INTO ${t.leases} AS l (lease_key, owner, token, expires_at) VALUES ($1, $2, $4::bigint + 1, ${expiry})
         ON CONFLICT (lease_key) DO UPDATE SET owner = excluded.owner, token = greatest(l.token, $4::bigint) + 1, expires_at = excluded.expires_at
         WHERE l.expires_at <= clock_timestamp() ${returning}`,
        [key, owner, ttlMs, Math.max(0, Math.floor(opts?.above ?? 0))],
        key,
        owner,
      );
    },
    renew(held, ttlMs) {
      return leaseFrom(
        'lease renew',
        `UPDATE ${t.leases} SET expires_at = ${expiry}
         WHERE lease_key = $1 AND owner = $2 AND token = $4 AND expires_at > clock_timestamp() ${returning}`,
        [held.key, held.owner, ttlMs, held.token],
        held.key,
        held.owner,
      );
    },
    async release(held) {
      await query(db, 'lease release', `UPDATE ${t.leases} SET expires_at = '-infinity' WHERE lease_key = $1 AND owner = $2 AND token = $3`, [held.key, held.owner, held.token]);
    },
  };
}
