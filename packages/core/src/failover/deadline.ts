import { setMaxListeners } from 'node:events';
import { DeadlineExceededError } from '../errors/index.js';
import type { Clock } from '../ports/clock.js';

/** A signal that aborts `ms` from now on `clock` (with `DeadlineExceededError`), or when `parent` aborts. */
export function timeoutSignal(clock: Clock, ms: number, parent?: AbortSignal): { signal: AbortSignal; cancel: () => void } {
  const controller = flowController();
  const onParent = () => controller.abort(parent?.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onParent, { once: true });
  const timer = clock.setTimer(Math.max(0, ms), () => controller.abort(new DeadlineExceededError(`Deadline of ${ms} ms exceeded`)));
  return {
    signal: controller.signal,
    cancel: () => {
      timer.cancel();
      parent?.removeEventListener('abort', onParent);
    },
  };
}

/**
 * Runs `work` under a signal that aborts `ms` from now on `clock`, and settles no later than that even if
 * `work` ignores the signal: a housekeeping call to a provider that hangs cannot hold its sweep forever.
 */
export async function withTimeout<T>(clock: Clock, ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const { signal, cancel } = timeoutSignal(clock, ms);
  try {
    return await abortable(work(signal), signal);
  } finally {
    cancel();
  }
}

/** A deadline at absolute time `at` (ms on `clock`). */
export function deadlineSignal(clock: Clock, at: number, what: string): { signal: AbortSignal; cancel: () => void } {
  const controller = flowController();
  const abort = () => controller.abort(new DeadlineExceededError(`${what}: deadline ${new Date(at).toISOString()} passed`));
  const ms = at - clock.now();
  if (ms <= 0) {
    abort();
    return { signal: controller.signal, cancel: () => {} };
  }
  const timer = clock.setTimer(ms, abort);
  return { signal: controller.signal, cancel: () => timer.cancel() };
}

/**
 * Settles with `promise`, or rejects with the signal's reason as soon as it aborts: a dependency that
 * ignores its signal (a hanging call) still cannot hold the flow past the deadline.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => {});
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** One flow's signal is shared by every concurrent call of the flow (a pool per candidate): no listener cap. */
function flowController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
