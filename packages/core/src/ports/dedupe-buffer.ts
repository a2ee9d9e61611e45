import type { SourceReport } from './types.js';

/** How the buffer pairs and expires reports; taken from the configuration by the core. */
export interface BufferPolicy {
  /** Reports of one series from opposite roles whose timestamps differ by at most this (seconds) are twins. */
  readonly timeTolerance: number;
  /** How long a report may wait for its twin (ms). */
  readonly windowMs: number;
}

/** What the caller knows about the reports of one {@link DedupeBuffer.add}. */
export interface AddOptions {
  /**
   * True when none of these reports can have been added before: the ingest queue's first delivery of
   * the entry that holds them. A durable buffer then skips looking for a pair a report already made
   * (see `add`). Leave it unset for a redelivery or a retried call. @default false
   */
  readonly firstDelivery?: boolean;
}

/**
 * Reports waiting for their twin (the same observation from the agent's other instance), shared by every
 * SEF instance. The buffer only decides *when* a report goes to the store: the stored timeline does not
 * depend on it (the core re-derives pairs from what is stored), so a pair released apart still converges.
 *
 * Promises:
 * - `add` is atomic per series: a report whose twin (same series, opposite role, |Δt| ≤ tolerance) is
 *   waiting is released together with that twin (the nearest one), and a waiting report is released at
 *   most once, whatever instances call `add` or `releaseExpired` concurrently.
 * - A report with the same (series, role, timestamp) as a waiting one is not held twice: the lower price
 *   is kept, so the result does not depend on arrival order.
 * - `releaseExpired` releases every report that has waited at least `windowMs` at `now`, each exactly once
 *   even with several sweepers; `expired` names the same reports and changes nothing.
 * - Reports are held until released; a crash of the SEF process loses none (for a durable backend).
 */
export interface DedupeBuffer {
  /**
   * Holds `reports` and returns those released now (paired twins). `now` is ms. A durable buffer hands a
   * report that already left with its twin (added again after a crash or a lost reply) the same twin
   * again, so that the twin is not lost, unless `options.firstDelivery` says no report can be a repeat.
   * The pair is remembered for the window (of `windowMs`) it was made or last handed again in and the
   * next one (`pairStillHonoured`); handing it again re-arms it (`pairRearmedAt`), so a report retried at
   * least once per window gets its twin for as long as the retries go on. A first repeat more than one to
   * two windows after the last is a new report: it waits, and the twin is not handed again.
   */
  add(reports: readonly SourceReport[], now: number, policy: BufferPolicy, options?: AddOptions): Promise<SourceReport[]>;
  /** Releases reports whose window closed by `now` (ms). */
  releaseExpired(now: number, policy: BufferPolicy): Promise<SourceReport[]>;
  /**
   * The reports whose window closed by `now` (ms), without releasing them: the core stores these first and
   * releases them after, so that a failure in between leaves them waiting instead of losing them. A durable
   * buffer shared by several instances answers from a state that includes every decision made before the call.
   */
  expired(now: number, policy: BufferPolicy): Promise<SourceReport[]>;
  /** Number of reports waiting. */
  size(): Promise<number>;
}
