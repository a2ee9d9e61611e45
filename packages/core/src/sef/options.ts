import type { AgentRecord } from '../ports/types.js';
import type { SefConfigInput } from '../config/index.js';
import type { Clock } from '../ports/clock.js';
import type { DedupeBuffer } from '../ports/dedupe-buffer.js';
import type { IngestQueue } from '../ports/ingest-queue.js';
import type { SefStorage } from '../ports/storage.js';
import type { ComputeProvider } from '../ports/compute-provider.js';
import type { LeaseManager } from '../ports/lease-manager.js';
import type { PriceFeed } from '../ports/price-feed.js';
import type { RiskModel } from '../ports/risk-model.js';
import type { Router } from '../ports/router.js';
import type { SignalSource } from '../ports/signal-source.js';
import type { RiskHeuristicOptions } from '../risk/factors.js';
import type { RejectedReport } from '../validation/index.js';

/**
 * What `createSef` takes. `storage` and `cloud` are required: SEF never falls back to memory for what
 * must be durable, nor to a simulated cloud for what launches instances. The rest has defaults that are
 * right for a single process.
 */
export interface SefOptions {
  /** Settings; missing ones take the spec's defaults. Invalid ones throw `ConfigError` naming each. @default {} */
  readonly config?: SefConfigInput;
  /**
   * The durable stores: `createPostgresStorage` from `@sef/adapter-postgres`, or, explicitly,
   * `createMemoryStorage({ clock, pools })` for tests and demos (lost on exit).
   */
  readonly storage: SefStorage;
  /** Where reports wait for their twin; share one (Redis) between SEF processes. @default createMemoryDedupeBuffer() */
  readonly buffer?: DedupeBuffer;
  /** The hand-off between accepting and storing reports. @default createMemoryIngestQueue({ clock }) */
  readonly queue?: IngestQueue;
  /** The only source of time. @default systemClock */
  readonly clock?: Clock;
  /** Name of this SEF process, as a queue consumer. @default 'sef' */
  readonly instanceId?: string;
  /** How often the background sweep releases expired buffer entries (ms). @default 5000 */
  readonly sweepInterval?: number;
  /** A queue entry handed out but not acknowledged for this long is taken over by another consumer (ms). @default 60000 */
  readonly reclaimAfter?: number;
  /** Most queue entries (request batches) the background worker takes and stores in one step. @default 64 */
  readonly drainBatch?: number;
  /** Groups of series the worker stores at the same time (each group one `PriceStore.update`, e.g. one transaction). @default 4 */
  readonly storeConcurrency?: number;
  /** After a failed store or buffer step, the worker tries again this much later (ms); the step's reports stay queued meanwhile. @default 1000 */
  readonly retryDelay?: number;
  /**
   * The cloud: where replicas are launched, prices read and traffic routed: the EC2 providers of
   * `@sef/adapter-aws`, or, explicitly, `createSimulatedCloud({ clock })` for tests and demos.
   */
  readonly cloud: { readonly compute: ComputeProvider; readonly priceFeed: PriceFeed; readonly router: Router };
  /** Per-agent leases with fencing tokens; share one (Redis) between SEF processes. @default createMemoryLeaseManager({ clock }) */
  readonly leases?: LeaseManager;
  /**
   * Time-to-live of an agent's lease (ms), renewed every third of it while a flow runs: how soon another
   * SEF process resumes a failover whose process died. @default 15000
   */
  readonly leaseTtlMs?: number;
  /** Where interruption signals come from besides `handleSignal` calls (IMDS, EventBridge); started by `start()`. @default [] */
  readonly signalSources?: readonly SignalSource[];
  /** An optional external risk model, consulted under `config.riskModelTimeout` and never depended on. @default undefined */
  readonly riskModel?: RiskModel;
  /** Constants of the built-in risk heuristic. @default defaultRiskHeuristic */
  readonly riskHeuristic?: RiskHeuristicOptions;
}

export interface IngestOptions {
  /** The agent the batch comes from (the API path); reports may then omit `agentId`. */
  readonly agentId?: string;
  /**
   * The record of `agentId` as the caller has just read it (a server's authentication reads it anyway):
   * validation then takes the roles from it instead of reading the agent again. @default read from the store
   */
  readonly agent?: AgentRecord;
  /**
   * When `ingest` resolves. `'queued'`: once the accepted reports are in the ingest queue (durable with
   * a durable queue); the background worker stores them soon after (`stats().queueLagMs` says how far
   * behind it is). `'stored'`: also waits for the worker's next pass, so that reports of agents without
   * a replica, and twins that paired, can be read back at once (a report waiting for its twin is stored
   * when it pairs or its window closes; a failed pass becomes an `error` event and is retried).
   * @default 'stored'
   */
  readonly wait?: 'queued' | 'stored';
}

export interface IngestResult {
  /** How many reports were accepted (they are stored once paired or once their window closed). */
  readonly accepted: number;
  /** Every rejected report, by its index in the batch, with every reason. */
  readonly rejected: readonly RejectedReport[];
}

/** Counters since the start of this `Sef` instance. */
export interface SefStats {
  readonly accepted: number;
  readonly rejected: number;
  /** Rejected reports per reason code (a report with two reasons counts under both). */
  readonly rejectedByReason: Readonly<Record<string, number>>;
  readonly merged: { readonly verified: number; readonly averaged: number };
  /** Interpolated points written. */
  readonly interpolated: number;
  /** `retracted`: unfillable gaps reported before that late reports then filled (their alerts retracted). */
  readonly gaps: { readonly detected: number; readonly filled: number; readonly unfillable: number; readonly retracted: number };
  /** Reports waiting in the dedupe buffer now. */
  readonly buffered: number;
  /** Queue entries accepted and not yet stored. */
  readonly queued: number;
  /** How long the oldest queue entry not yet stored has waited (ms); 0 when the queue is empty. */
  readonly queueLagMs: number;
}
