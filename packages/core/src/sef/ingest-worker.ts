import type { Clock, TimerHandle } from '../ports/clock.js';

export interface IngestWorkerDeps {
  readonly clock: Clock;
  /** One drain pass: takes queue entries until none is left and stores them (`Pipeline.drain`). */
  readonly drain: () => Promise<void>;
  /** One release pass: stores and releases the reports whose window closed (`Pipeline.releaseExpired`). */
  readonly sweep: () => Promise<unknown>;
  /** A failed pass (its work stays queued or waiting and is retried). */
  readonly onError: (error: unknown, context: 'ingest' | 'sweep') => void;
  /** ms after a failed drain before the next one, while started. */
  readonly retryDelay: number;
}

/**
 * The background worker of one process: runs drain and release passes one at a time, so that every
 * write to the store goes through one ordered loop and requests only enqueue. `drain()` calls made while
 * a pass runs share the next pass: many requests become one large batch. Passes never reject: a failure
 * goes to `onError` and, while started, a drain is tried again after `retryDelay`.
 */
export class IngestWorker {
  #tail: Promise<void> = Promise.resolve();
  /** The drain pass queued and not yet begun: a `drain()` call now is covered by it. */
  #nextDrain: Promise<void> | undefined;
  #retry: TimerHandle | undefined;
  #active = false;

  constructor(private readonly deps: IngestWorkerDeps) {}

  start(): void {
    this.#active = true;
  }

  /** Stops retrying; passes already queued still run (`idle()` waits for them). */
  stop(): void {
    this.#active = false;
    this.#retry?.cancel();
    this.#retry = undefined;
  }

  /** Resolves once a drain pass that began after this call has ended (whether it stored everything or failed). */
  drain(): Promise<void> {
    this.#nextDrain ??= this.#then(async () => {
      this.#nextDrain = undefined;
      try {
        await this.deps.drain();
      } catch (error) {
        this.deps.onError(error, 'ingest');
        this.#scheduleRetry();
      }
    });
    return this.#nextDrain;
  }

  /** Resolves once a release pass queued now has ended. */
  sweep(): Promise<void> {
    return this.#then(async () => {
      try {
        await this.deps.sweep();
      } catch (error) {
        this.deps.onError(error, 'sweep');
      }
    });
  }

  /** Resolves when every pass queued so far has ended. */
  idle(): Promise<void> {
    return this.#tail;
  }

  #then(pass: () => Promise<void>): Promise<void> {
    const run = this.#tail.then(pass);
    this.#tail = run;
    return run;
  }

  #scheduleRetry(): void {
    if (!this.#active || this.#retry !== undefined) return;
    this.#retry = this.deps.clock.setTimer(this.deps.retryDelay, () => {
      this.#retry = undefined;
      if (this.#active) void this.drain();
    });
  }
}
