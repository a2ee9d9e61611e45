import type { Pool, PoolClient, QueryConfig } from 'pg';
import { isRetryable, isTimeout, translate } from './errors.js';

/** How the stores run their SQL: the caller's pool, and what to do with errors nobody is waiting for. */
export interface Db {
  readonly pool: Pool;
  /** Errors of a connection while no query of ours was running on it. */
  readonly onError: (error: Error) => void;
  /** Attempts of a transaction that failed with a retryable error (serialization, deadlock, lost connection). */
  readonly attempts: number;
}

/** The default `onError`: a process warning, so a connection error nobody waited for is seen, never fatal. */
export const warnConnectionError = (error: Error): void => {
  process.emitWarning(`SEF Postgres connection error: ${error.message}`, { code: 'SEF_PG_CONNECTION' });
};

/** Marks an error thrown by caller code inside a transaction, so it is passed on untranslated. */
export class CallerError extends Error {
  constructor(readonly original: unknown) {
    super('caller error');
  }
}

/**
 * Runs `fn` on a client of its own. While the client is checked out it has an `error` listener, so a
 * backend killed between two statements (`pg_terminate_backend`) rejects the next statement instead of
 * crashing the process; a client that saw an error is destroyed, not returned to the pool.
 */
export async function withClient<T>(db: Db, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await db.pool.connect();
  let broken: Error | undefined;
  const listener = (error: Error) => {
    broken = error;
    db.onError(error);
  };
  client.on('error', listener);
  try {
    return await fn(client);
  } catch (error) {
    if (isRetryable(error)) broken ??= error as Error;
    throw error;
  } finally {
    client.off('error', listener);
    client.release(broken ?? false);
  }
}

/** One transaction: BEGIN, `fn`, COMMIT; ROLLBACK (or a dropped connection) on any error. */
export async function inTransaction<T>(client: PoolClient, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await fn();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A failed ROLLBACK means the connection is gone, and with it the transaction.
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * A transaction on a client of its own, attempted up to `db.attempts` times while it fails with a
 * retryable error, then translated to `StorageError` (or passed on as thrown by `fn`'s caller code).
 */
export async function transaction<T>(db: Db, what: string, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await withClient(db, (client) => inTransaction(client, () => fn(client)));
    } catch (error) {
      if (error instanceof CallerError) throw error.original;
      // A timeout is worth a retry later (503), not at once: that would only wait as long again.
      if (attempt >= db.attempts || !isRetryable(error) || isTimeout(error)) throw translate(error, what);
      await backoff(attempt);
    }
  }
}

/** One statement on any pooled client, errors translated. */
export async function query<R extends object = Record<string, unknown>>(db: Db, what: string, text: string, values: unknown[] = []): Promise<R[]> {
  try {
    return (await withClient(db, (client) => client.query<R>(text, values))).rows;
  } catch (error) {
    throw translate(error, what);
  }
}

/** One statement whose rows come as arrays (no per-row objects), errors translated. */
export async function queryArrays(db: Db, what: string, config: QueryConfig): Promise<unknown[][]> {
  try {
    return (await withClient(db, (client) => client.query<unknown[]>({ ...config, rowMode: 'array' }))).rows;
  } catch (error) {
    throw translate(error, what);
  }
}

const backoff = (attempt: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt * (0.5 + Math.random()))));
