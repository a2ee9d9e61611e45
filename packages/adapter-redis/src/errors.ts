import { SefError, StorageError, UnavailableError } from '@sef/core';
import type { Redis } from 'ioredis';

/**
 * Reply prefixes that mean "Redis cannot serve this right now, try again": loading a dump, a busy script,
 * failover in progress, out of memory. The server answers them with 503.
 */
const unavailableReplies = ['LOADING', 'BUSY', 'MASTERDOWN', 'READONLY', 'CLUSTERDOWN', 'TRYAGAIN', 'OOM', 'NOREPLICAS', 'UNBLOCKED'];

/** Messages and names ioredis and Node use when the connection itself is the problem. */
const connectionErrors =
  /Connection is closed|Stream isn't writeable|Command timed out|Reached the max retries|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|EAI_AGAIN|socket hang up/;
const connectionErrorNames = new Set(['MaxRetriesPerRequestError', 'AbortError', 'ClusterAllFailedError']);

/** ioredis statuses in which a command could only wait in a queue: fail at once instead. */
const downStatuses = new Set(['reconnecting', 'close', 'end']);

/**
 * Turns a driver error into the SEF error family: connection problems and transient server states become
 * {@link UnavailableError} (the server answers 503, the client retries), anything else a non-retryable
 * {@link StorageError}. The driver's error stays as `cause`.
 */
export function toSefError(error: unknown, what: string): SefError {
  if (error instanceof SefError) return error;
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (
    connectionErrorNames.has(name) ||
    connectionErrors.test(message) ||
    (typeof code === 'string' && connectionErrors.test(code)) ||
    unavailableReplies.some((p) => message.startsWith(p))
  ) {
    return new UnavailableError(`Redis is unavailable (${what}): ${message}`, { cause: error });
  }
  return new StorageError(`Redis failed (${what}): ${message}`, { cause: error, retryable: false });
}

/**
 * Runs one Redis call with the adapter's failure rules. While the client is reconnecting or closed the
 * call fails at once with {@link UnavailableError} instead of waiting in ioredis' offline queue, whatever
 * the client's `enableOfflineQueue` says; errors of the call itself go through {@link toSefError}.
 */
export async function withRedis<T>(client: Redis, what: string, run: () => Promise<T>): Promise<T> {
  if (downStatuses.has(client.status)) {
    throw new UnavailableError(`Redis is unavailable (${what}): connection is ${client.status}`, {
      cause: new Error(`ioredis status: ${client.status}`),
    });
  }
  try {
    return await run();
  } catch (error) {
    throw toSefError(error, what);
  }
}

/** `call`, or {@link UnavailableError} once `ms` have passed without its answer (the command itself is not cancelled). */
export function withDeadline<T>(call: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new UnavailableError(`Redis is unavailable (${what}): no answer within ${ms} ms`, { cause: new Error(`no answer within ${ms} ms`) })), ms);
    call.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error as Error);
      },
    );
  });
}
