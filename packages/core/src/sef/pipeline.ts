import type { EventEmitter } from 'eventemitter3';
import type { SefConfig } from '../config/index.js';
import type { SefEvents } from '../events/event-map.js';
import type { Clock } from '../ports/clock.js';
import type { BufferPolicy, DedupeBuffer } from '../ports/dedupe-buffer.js';
import type { IngestQueue, QueueEntry } from '../ports/ingest-queue.js';
import type { SefStorage } from '../ports/storage.js';
import type { SourceReport } from '../ports/types.js';
import { storeReports } from '../timeline/index.js';
import type { Counters } from './counters.js';
import { reportOutcome } from './outcome.js';
import { reportKey, splitBySeries } from './series-shards.js';

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
  /** Most queue entries taken and stored together in one step. */
  readonly batchEntries: number;
  /** Groups of series stored at the same time (each group in one `PriceStore.update`). */
  readonly storeConcurrency: number;
}

/**
 * Accepted reports from the queue to the store: agents without a replica go straight to the timeline,
 * agents with one through the dedupe buffer, which releases twins at once and lone reports when their
 * window closes. Nothing accepted is lost whatever fails in between:
 * - a queue entry is acknowledged only after its reports went to the buffer and what they released was
 *   stored; a failed step keeps its entries and tries them again itself (a crash: the queue hands them
 *   to another consumer after `reclaimAfter`), the buffer and the store absorbing the repeat;
 * - twins the buffer released but the store refused are kept here and stored with the next step (a
 *   durable buffer also hands them out again when their entry comes back);
 * - a closed window is stored first and released from the buffer after, so a failure in between leaves
 *   the reports waiting, to be stored again (the store is idempotent).
 * One pipeline is driven by one worker at a time (`IngestWorker`).
 */
export class Pipeline {
  /** Entries taken from the queue and not yet acknowledged, oldest first, with whether they were tried before. */
  #held: { entry: QueueEntry; retried: boolean }[] = [];
  /** Reports released by the buffer whose storing failed, by identity (a retry may release them again). */
  #unstored = new Map<string, SourceReport>();

  constructor(private readonly deps: PipelineDeps) {}

  /** Takes queue entries (new ones, and idle ones of dead consumers) in large batches until none is left, storing each batch. */
  async drain(): Promise<void> {
    const { queue, consumer, reclaimAfter, batchEntries } = this.deps;
    for (;;) {
      let fresh = 0;
      if (this.#held.length < batchEntries) {
        const held = new Set(this.#held.map((h) => h.entry.id));
        for (const entry of await queue.claim(consumer, { max: batchEntries - this.#held.length, minIdleMs: reclaimAfter })) {
          // An entry of ours handed out again after reclaimAfter is already held.
          if (held.has(entry.id)) continue;
          this.#held.push({ entry, retried: false });
          fresh++;
        }
      }
      if (this.#held.length === 0) {
        if (this.#unstored.size > 0) await this.store([]);
        return;
      }
      const batch = this.#held;
      // Only a first delivery tried for the first time cannot hold reports the buffer has seen (and paired) before.
      const firstDelivery = batch.every((h) => !h.retried && h.entry.deliveries === 1);
      for (const h of batch) h.retried = true;
      const reports = batch.length === 1 ? batch[0]!.entry.reports : batch.flatMap((h) => h.entry.reports);
      await this.process(reports, { firstDelivery });
      await queue.ack(batch.map((h) => h.entry.id));
      this.#held = [];
      if (fresh === 0) return;
    }
  }

  /** Routes reports by whether their agent has a replica now, and stores what is ready (with twins left over from a failed step). */
  async process(reports: readonly SourceReport[], options?: { firstDelivery?: boolean }): Promise<void> {
    const { storage, buffer, clock, policy } = this.deps;
    const ids = [...new Set(reports.map((r) => r.agentId))];
    const records = await Promise.all(ids.map((id) => storage.agents.get(id)));
    const withReplica = new Set(ids.filter((_, i) => records[i]?.replicaInstanceId != null));
    const direct: SourceReport[] = [];
    const waiting: SourceReport[] = [];
    for (const r of reports) (r.role === 'replica' || withReplica.has(r.agentId) ? waiting : direct).push(r);
    const released = waiting.length > 0 ? await buffer.add(waiting, clock.now(), policy, options) : [];
    try {
      await this.store(direct, released);
    } catch (error) {
      await this.#putBackTwins(waiting, released);
      throw error;
    }
  }

  /**
   * After a failed store, the twins that left the buffer with these reports wait there again: besides
   * this process's memory and the buffer's pair records (one to two windows after the last retry), a durable place that a
   * crash followed by a long outage does not lose. Stored twice at worst, which the store absorbs.
   */
  async #putBackTwins(waiting: readonly SourceReport[], released: readonly SourceReport[]): Promise<void> {
    const { buffer, clock, policy } = this.deps;
    const ours = new Set(waiting.map(reportKey));
    const twins = released.filter((r) => !ours.has(reportKey(r)));
    if (twins.length === 0) return;
    try {
      // A twin may pair at once with another waiting report: that pair left the buffer and is kept here.
      for (const r of await buffer.add(twins, clock.now(), policy)) this.#unstored.set(reportKey(r), r);
    } catch {
      // The buffer is away too: they stay in `#unstored` and in the buffer's pair records.
    }
  }

  /**
   * Stores the reports whose window closed, then releases them from the buffer; returns how many were
   * released. Reports that became due at another instance's hand between the two are stored after.
   */
  async releaseExpired(): Promise<number> {
    const { buffer, clock, policy } = this.deps;
    const now = clock.now();
    const due = await buffer.expired(now, policy);
    await this.store(due);
    // Also when nothing is due: the sweep is where a durable buffer forgets old pairs and trims its log.
    const released = await buffer.releaseExpired(now, policy);
    const stored = new Set(due.map(reportKey));
    await this.store([], released.filter((r) => !stored.has(reportKey(r))));
    return released.length;
  }

  /**
   * Stores `reports` and `released` (reports the buffer no longer holds) together with those left over
   * from a failed call; on failure `released` joins the left-overs. Series are stored in parallel groups.
   */
  async store(reports: readonly SourceReport[], released: readonly SourceReport[] = []): Promise<void> {
    const left = this.#unstored;
    const all = left.size === 0 && released.length === 0 ? reports : [...reports, ...left.values(), ...released];
    if (all.length === 0) return;
    const { storage, config, counters, events, clock, storeConcurrency } = this.deps;
    const results = await Promise.allSettled(splitBySeries(all, storeConcurrency).map((group) => storeReports(storage.prices, group, config)));
    let failure: PromiseRejectedResult | undefined;
    for (const r of results) {
      if (r.status === 'fulfilled') reportOutcome(r.value, { counters, events, now: clock.now() });
      else failure ??= r;
    }
    if (failure !== undefined) {
      for (const r of released) left.set(reportKey(r), r);
      throw failure.reason;
    }
    left.clear();
  }
}
