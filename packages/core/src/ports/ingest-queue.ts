import type { SourceReport } from './types.js';

/** A batch taken from the queue. `id` is what `ack` takes. */
export interface QueueEntry {
  readonly id: string;
  readonly reports: readonly SourceReport[];
  /** How many times this entry has been handed out, this time included. */
  readonly deliveries: number;
}

/**
 * Accepted reports not yet stored: the durable hand-off between accepting a request and storing its
 * reports, so that a crash between the two loses nothing (at-least-once).
 *
 * Promises:
 * - `enqueue` resolves only once the batch is durable (for a durable backend).
 * - `claim` hands out entries not yet delivered to any consumer of the group, plus entries delivered to
 *   a consumer that has not acknowledged them for `minIdleMs` (a dead consumer's work is reclaimed).
 * - An entry is removed only by `ack`; never trimmed while unacknowledged.
 *
 * Out of contract: exactly-once delivery. Redeliveries happen and are absorbed by the idempotent store.
 */
export interface IngestQueue {
  enqueue(reports: readonly SourceReport[]): Promise<string>;
  claim(consumer: string, options: { max: number; minIdleMs: number }): Promise<QueueEntry[]>;
  ack(ids: readonly string[]): Promise<void>;
  /** Entries enqueued and not yet acknowledged. */
  pending(): Promise<number>;
  /** When (ms) the oldest entry not yet acknowledged was enqueued; undefined when none is. The ingest lag is `now` minus this. */
  oldestEnqueuedAt(): Promise<number | undefined>;
}
