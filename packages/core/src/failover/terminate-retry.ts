import { ProviderError, UnavailableError } from '../errors/index.js';
import type { Clock } from '../ports/clock.js';
import type { ComputeProvider } from '../ports/compute-provider.js';
import { abortable } from './deadline.js';

/** Waits before the 2nd, 3rd and 4th terminate of one instance (ms); EC2's tags and states settle in seconds. */
const retryDelaysMs = [500, 2_000, 5_000] as const;

/** What one terminate with retries came to. */
export interface TerminateAttempts {
  /** Terminate calls made. */
  readonly attempts: number;
  /** The last failure when every attempt failed; undefined when the instance is terminated. */
  readonly error?: unknown;
}

/** Refusals that may pass when the same call is made again (throttling, eventual consistency, an outage). */
export const isRetryable = (error: unknown): boolean =>
  (error instanceof ProviderError && error.retryable) || error instanceof UnavailableError;

/**
 * Terminates an instance, trying again after a retryable refusal (up to 4 calls, same idempotency token).
 * Never throws: the outcome says whether it worked. An aborted `signal` ends the call and the retries.
 */
export async function terminateWithRetry(
  deps: { compute: ComputeProvider; clock: Clock },
  instanceId: string,
  idempotencyToken: string,
  signal?: AbortSignal,
): Promise<TerminateAttempts> {
  for (let attempt = 1; ; attempt++) {
    try {
      const call = deps.compute.terminate(instanceId, { idempotencyToken, ...(signal ? { signal } : {}) });
      // A provider that ignores the signal still cannot hold the caller past it.
      await (signal ? abortable(call, signal) : call);
      return { attempts: attempt };
    } catch (error) {
      const delay = retryDelaysMs[attempt - 1];
      if (delay === undefined || !isRetryable(error) || signal?.aborted) return { attempts: attempt, error };
      try {
        await deps.clock.sleep(delay, signal);
      } catch {
        return { attempts: attempt, error };
      }
    }
  }
}
