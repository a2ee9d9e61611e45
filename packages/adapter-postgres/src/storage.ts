import { systemClock, type Clock, type SefStorage } from '@sef/core';
import type { Pool } from 'pg';
import { createPostgresAgentStore } from './agent-store.js';
import { warnConnectionError, type Db } from './db.js';
import { createPostgresEventStore } from './event-store.js';
import { createPostgresPoolStore } from './pool-store.js';
import { createPostgresPriceStore } from './price-store.js';
import { createPostgresReplicaStore } from './replica-store.js';
import { tables } from './tables.js';

export interface PostgresStorageOptions {
  /** A `pg` pool the caller owns (and ends). Run {@link migrate} on it before the first use. */
  readonly pool: Pool;
  /** Schema of the tables. @default unqualified names, found through the connection's `search_path` */
  readonly schema?: string;
  /** Source of `createdAt` / `primaryLaunchedAt` of a new agent when the caller gives none. @default systemClock */
  readonly clock?: Clock;
  /**
   * Called with connection errors that no query was waiting for (an idle pooled client, or a checked-out
   * client between two statements). The broken client is discarded and the next call connects anew; a
   * listener is attached to the pool so such an error never crashes the process.
   * @default emits a process warning
   */
  readonly onError?: (error: Error) => void;
  /** Attempts of a price-store transaction that fails with a retryable error (deadlock, serialization, lost connection). @default 4 */
  readonly attempts?: number;
  /**
   * Upserts of at least this many points go through COPY: the rows known to be new straight into the table,
   * the others into a staging table and INSERT … ON CONFLICT; smaller ones through `unnest`. @default 2000
   */
  readonly copyThreshold?: number;
}

/**
 * Every durable store of SEF on PostgreSQL, as one {@link SefStorage} bundle: `pricing_reports`, `agents`,
 * `pools`, `replica_instances`, `spot_interruption_events`, `system_events`, with one fencing token per
 * agent shared by the agent, replica and event stores.
 * @example
 * import pg from 'pg';
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * await migrate(pool, { schema: 'sef' });
 * const storage = createPostgresStorage({ pool, schema: 'sef' });
 * const sef = createSef({ storage, cloud }); // cloud: the EC2 providers of @sef/adapter-aws
 */
export function createPostgresStorage(options: PostgresStorageOptions): SefStorage {
  const t = tables(options.schema);
  const onError = options.onError ?? warnConnectionError;
  const db: Db = { pool: options.pool, onError, attempts: options.attempts ?? 4 };
  options.pool.on('error', onError);
  return {
    prices: createPostgresPriceStore(db, t, options.copyThreshold === undefined ? {} : { copyThreshold: options.copyThreshold }),
    agents: createPostgresAgentStore(db, t, options.clock ?? systemClock),
    pools: createPostgresPoolStore(db, t),
    replicas: createPostgresReplicaStore(db, t),
    events: createPostgresEventStore(db, t),
    async ping() {
      try {
        await options.pool.query(`SELECT 1 FROM ${t.migrations} LIMIT 1`);
        return true;
      } catch {
        return false;
      }
    },
  };
}
