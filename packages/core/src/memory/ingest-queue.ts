import type { Clock } from '../ports/clock.js';
import type { IngestQueue, QueueEntry } from '../ports/ingest-queue.js';
import type { SourceReport } from '../ports/types.js';

export interface MemoryIngestQueueOptions {
  /** Decides when a delivered, unacknowledged entry counts as idle (`minIdleMs`). */
  readonly clock: Clock;
}

interface Held {
  readonly id: string;
  /** ms when enqueued. */
  readonly at: number;
  readonly reports: readonly SourceReport[];
  deliveries: number;
  /** ms of the last delivery; undefined while never delivered. */
  deliveredAt: number | undefined;
}

/**
 * An in-memory {@link IngestQueue}: at-least-once hand-off within one process (not durable across a
 * crash). Entries come out oldest first: never-delivered ones, then idle unacknowledged ones.
 * @example
 * const queue = createMemoryIngestQueue({ clock: systemClock });
 * await queue.enqueue(reports);
 * for (const e of await queue.claim('sef-1', { max: 10, minIdleMs: 30_000 })) { ...; await queue.ack([e.id]); }
 */
export function createMemoryIngestQueue(options: MemoryIngestQueueOptions): IngestQueue {
  const { clock } = options;
  const entries = new Map<string, Held>();
  let seq = 0;

  return {
    async enqueue(reports) {
      const at = clock.now();
      const id = `${at}-${seq++}`;
      entries.set(id, { id, at, reports: [...reports], deliveries: 0, deliveredAt: undefined });
      return id;
    },
    async claim(_consumer, { max, minIdleMs }) {
      const now = clock.now();
      const out: QueueEntry[] = [];
      // Map order is insertion order, so the oldest entries go first.
      for (const e of entries.values()) {
        if (out.length >= max) break;
        if (e.deliveredAt !== undefined && now - e.deliveredAt < minIdleMs) continue;
        e.deliveries++;
        e.deliveredAt = now;
        out.push({ id: e.id, reports: e.reports, deliveries: e.deliveries });
      }
      return out;
    },
    async ack(ids) {
      for (const id of ids) entries.delete(id);
    },
    async pending() {
      return entries.size;
    },
    async oldestEnqueuedAt() {
      // Map order is insertion order: the first entry is the oldest.
      for (const e of entries.values()) return e.at;
      return undefined;
    },
  };
}
