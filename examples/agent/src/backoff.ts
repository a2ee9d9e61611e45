import { ExponentialBackoff, type IBackoff } from 'cockatiel';

export interface BackoffOptions {
  /** Scale of the first wait (ms); the median first wait is about this. @default 500 */
  readonly initialMs?: number;
  /** Longest wait (ms), also the cap on a server's `Retry-After`. @default 30000 */
  readonly maxMs?: number;
}

/** Successive waits between attempts: jittered and growing, or what the server asked for. */
export interface Backoff {
  /** The wait before the next attempt (ms): `retryAfterMs` when the server sent one (capped at `maxMs`), else the next jittered step. */
  next(retryAfterMs?: number): number;
  /** Back to the first step (after a success). */
  reset(): void;
}

/**
 * cockatiel's exponential backoff with decorrelated jitter (Polly's, the AWS architecture blog's
 * recommendation), so agents that lost SEF at the same moment do not come back in step. The waits run
 * on the caller's `Clock`, not on cockatiel's timers, so tests move them with a fake clock.
 * @example
 * const backoff = createBackoff({ initialMs: 500, maxMs: 30_000 });
 * await clock.sleep(backoff.next(delivery.retryAfterMs));
 */
export function createBackoff(options: BackoffOptions = {}): Backoff {
  const maxMs = options.maxMs ?? 30_000;
  const factory = new ExponentialBackoff({ initialDelay: options.initialMs ?? 500, maxDelay: maxMs });
  let step: IBackoff<unknown> | undefined;
  return {
    next(retryAfterMs) {
      step = step ? step.next(undefined) : factory.next();
      return retryAfterMs === undefined ? step.duration : Math.min(maxMs, Math.max(0, retryAfterMs));
    },
    reset() {
      step = undefined;
    },
  };
}
