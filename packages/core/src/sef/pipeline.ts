import type { EventEmitter } from 'eventemitter3';
import type { SefConfig } from '../config/index.js';
import type { SefEvents } from '../events/event-map.js';
import type { Clock } from '../ports/clock.js';
import type { AddOptions, BufferPolicy, DedupeBuffer } from '../ports/dedupe-buffer.js';
import type { IngestQueue } from '../ports/ingest-queue.js';
import type { SefStorage } from '../ports/storage.js';
import type { SourceReport } from '../ports/types.js';
import { storeReports } from '../timeline/index.js';
import type { Counters } from './counters.js';
import { reportOutcome } from './outcome.js';

export interface PipelineDeps {
  readonly storage: SefStorage;
  readonly buffer: DedupeBuffer;
  readonly queue: IngestQueue;
  readonly clock: Clock;
  readonly config: SefConfig;
  readonly policy: BufferPolicy;
  readonly counters: Counters;
  readonly events: EventEmitter<SefEvents>;
  readonly consumer: string;
  readonly reclaimAfter: number;
}

/**
 * Accepted reports from the queue to the store: agents without a replica go straight to the timeline,
 * agents with one through the dedupe buffer, which releases twins at once and lone reports when their
 * window closes. A queue entry is acknowledged only after its reports went to the buffer or the store,
 * so a crash in between redelivers it (the buffer and the store absorb the repeat).
 */
export class Pipeline {
  constructor(private readonly deps: PipelineDeps) {}

  /** Takes queue entries (new ones, and idle ones of dead consumers) until none is left, processing each. */
  async drain(): Promise<void> {
    const { queue, consumer, reclaimAfter } = this.deps;
    for (;;) {
      const entries = await queue.claim(consumer, { max: 8, minIdleMs: reclaimAfter });
      if (entries.length === 0) return;
      for (const entry of entries) {
        // Only a redelivered entry can hold reports the buffer has seen (and paired) before.
        await this.process(entry.reports, { firstDelivery: entry.deliveries === 1 });
        await queue.ack([entry.id]);
      }
    }
  }

  /** Routes reports by whether their agent has a replica now, and stores what is ready. */
  async process(reports: readonly SourceReport[], options?: AddOptions): Promise<void> {
    const { storage, buffer, clock, policy } = this.deps;
    const ids = [...new Set(reports.map((r) => r.agentId))];
    const records = await Promise.all(ids.map((id) => storage.agents.get(id)));
    const withReplica = new Set(ids.filter((_, i) => records[i]?.replicaInstanceId != null));
    const direct: SourceReport[] = [];
    const waiting: SourceReport[] = [];
    for (const r of reports) (r.role === 'replica' || withReplica.has(r.agentId) ? waiting : direct).push(r);
    const released = waiting.length > 0 ? await buffer.add(waiting, clock.now(), policy, options) : [];
    await this.store(direct.length === 0 ? released : released.length === 0 ? direct : [...direct, ...released]);
  }

  /** Releases the reports whose window closed and stores them; returns how many. */
  async releaseExpired(): Promise<number> {
    const released = await this.deps.buffer.releaseExpired(this.deps.clock.now(), this.deps.policy);
    await this.store(released);
    return released.length;
  }

  async store(reports: readonly SourceReport[]): Promise<void> {
    if (reports.length === 0) return;
    const { storage, config, counters, events, clock } = this.deps;
    const outcome = await storeReports(storage.prices, reports, config);
    reportOutcome(outcome, { counters, events, now: clock.now() });
  }
}
