import type { InterruptionSignal } from './types.js';

/**
 * Delivers rebalance recommendations and interruption notices (IMDS watcher, EventBridge via SQS, simulator).
 * A source delivers each notice once as far as it can tell; the core deduplicates across sources anyway.
 * `handler` resolving means SEF recorded the signal (a source may acknowledge upstream only then).
 * `start` returns a function that stops the source. Errors while running go to `onError`, never thrown.
 */
export interface SignalSource {
  start(handler: (signal: InterruptionSignal) => Promise<void>, onError?: (error: unknown) => void): () => Promise<void>;
}
