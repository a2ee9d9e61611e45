/** A cancellable timer started through a {@link Clock}. */
export interface TimerHandle {
  cancel(): void;
}

/**
 * The only source of time in the core. Production uses {@link systemClock}; tests use a fake clock
 * (`createFakeClock`) and move time by hand, so every time-based rule runs in milliseconds.
 *
 * Contract: `now()` never goes backwards; `sleep` resolves once `now()` has advanced by at least `ms`
 * and rejects with the signal's reason when `signal` aborts first; `setTimer` calls `fn` once.
 */
export interface Clock {
  /** Unix time in milliseconds. */
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  setTimer(ms: number, fn: () => void): TimerHandle;
}
