import { ConflictError, SefError, StorageError } from '@sef/core';

/** SQLSTATEs after which the same call may succeed: serialization failures, deadlocks, lost or refused connections. */
const retryableStates = new Set(['40001', '40P01', '55P03', '57P01', '57P02', '57P03', '53300', '53400']);
const retryableCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);

interface DriverError {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly constraint?: unknown;
}

/**
 * pg's and pg-pool's messages when time ran out: `query_timeout` on the client, `connectionTimeoutMillis`
 * opening a connection or waiting for a free one in the pool.
 */
const timeoutMessages = /Query read timeout|timeout exceeded when trying to connect|Connection terminated due to connection timeout/i;

/**
 * Whether the call ran out of time: a client-side timeout of the driver, or the server's
 * `statement_timeout` (SQLSTATE 57014). The caller may try again later (503), but repeating it at once
 * would only wait as long again, so transactions do not re-attempt it.
 */
export function isTimeout(error: unknown): boolean {
  if (sqlState(error) === '57014') return true;
  const message = (error as DriverError | null)?.message;
  return typeof message === 'string' && timeoutMessages.test(message);
}

/** Whether a driver error is worth another attempt of the same transaction. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof StorageError) return error.retryable;
  if (typeof error !== 'object' || error === null) return false;
  if (isTimeout(error)) return true;
  const { code, message } = error as DriverError;
  if (typeof code === 'string' && (retryableStates.has(code) || code.startsWith('08') || retryableCodes.has(code))) return true;
  // pg reports a socket closed under it without a code.
  return typeof message === 'string' && /Connection terminated|connection timeout|Client has encountered a connection error/i.test(message);
}

/** The SQLSTATE of a driver error, if it has one. */
export const sqlState = (error: unknown): string | undefined => {
  const code = (error as DriverError | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** Whether the error is the violation of the named constraint. */
export const violates = (error: unknown, constraint: string): boolean =>
  (error as DriverError | null)?.constraint === constraint;

/**
 * Turns a driver error into the SEF error family: SEF's own errors pass through, a unique violation
 * becomes `ConflictError`, anything else `StorageError` (retryable or not), the driver's error as `cause`.
 */
export function translate(error: unknown, what: string): SefError {
  if (error instanceof SefError) return error;
  if (sqlState(error) === '23505') return new ConflictError(`${what}: already exists`, { cause: error });
  const message = (error as DriverError | null)?.message;
  return new StorageError(`${what} failed: ${typeof message === 'string' ? message : String(error)}`, {
    cause: error,
    retryable: isRetryable(error),
  });
}
