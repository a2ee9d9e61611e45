import { EventEmitter } from 'eventemitter3';
import type { SefConfig } from '../config/index.js';
import { ValidationError } from '../errors/index.js';
import type { SefEvents } from '../events/event-map.js';
import type { Clock } from '../ports/clock.js';
import type { DedupeBuffer } from '../ports/dedupe-buffer.js';
import type { IngestQueue } from '../ports/ingest-queue.js';
import type { SefStorage } from '../ports/storage.js';
import type { AgentRecord } from '../ports/types.js';
import { parsePoolId } from '../pools/index.js';
import { registrationIssues, validateReports } from '../validation/index.js';
import { Counters } from './counters.js';
import { rememberKnownPools } from './known-pools.js';
import type { IngestOptions, IngestResult, SefStats } from './options.js';
import type { IngestWorker } from './ingest-worker.js';
import type { Sweeper } from './sweeper.js';
import type { AgentReplicaStatus, ReplicaHeartbeatState, ReplicaManager } from '../failover/replica-manager.js';
import type { ManualResult } from '../failover/manual.js';
import type { ReconcileResult } from '../failover/reconcile.js';
import type { SignalHandling } from '../failover/replica-manager.js';
import type { NoticeReceipt, RecordNoticeOptions } from '../failover/notice-intake.js';
import type { ModeChange } from '../modes/mode-rules.js';
import type { RiskScore } from '../events/event-map.js';
import type { SignalSource } from '../ports/signal-source.js';
import type { InterruptionSignal, ReplicaRecord } from '../ports/types.js';

/** What a `Sef` is built from (see `createSef`). */
export interface SefParts {
  readonly config: SefConfig;
  readonly storage: SefStorage;
  readonly buffer: DedupeBuffer;
  readonly queue: IngestQueue;
  readonly clock: Clock;
  readonly counters: Counters;
  readonly worker: IngestWorker;
  readonly sweeper: Sweeper;
  readonly replicas: ReplicaManager;
  readonly signalSources: readonly SignalSource[];
}

/** A new agent: its primary instance and pool; the region comes from the pool id unless given. */
export interface AgentRegistration {
  readonly id: string;
  readonly instanceId: string;
  readonly poolId: string;
  readonly region?: string;
}

/**
 * The SEF of one process: validates reports, pairs twins, stores timelines with gaps filled, and tells
 * about it through typed events (`sef.on('gap.filled', ...)`). Build it with `createSef`.
 */
export class Sef extends EventEmitter<SefEvents> {
  readonly config: SefConfig;
  readonly storage: SefStorage;
  readonly #parts: SefParts;
  readonly #inFlight = new Set<Promise<unknown>>();
  /** The pools validation has found, remembered (pools are never removed). */
  readonly #pools: Pick<SefStorage['pools'], 'known'>;
  #stopSources: (() => Promise<void>)[] = [];

  /** @internal Use `createSef`. */
  constructor(build: (events: EventEmitter<SefEvents>) => SefParts) {
    super();
    this.#parts = build(this);
    this.config = this.#parts.config;
    this.storage = this.#parts.storage;
    this.#pools = rememberKnownPools(this.storage.pools);
  }

  /**
   * Registers an agent with its primary. Throws `ValidationError` naming every bad field (the id limits of
   * reports: length, control characters) before any store is asked, or for an unknown pool;
   * `ConflictError` for a known id.
   */
  async registerAgent(agent: AgentRegistration): Promise<AgentRecord> {
    const issues = registrationIssues(agent);
    if (issues.length > 0) throw new ValidationError('Cannot register agent', issues);
    const { storage, clock } = this.#parts;
    const pool = await storage.pools.get(agent.poolId);
    const region = agent.region ?? pool?.region ?? parsePoolId(agent.poolId)?.region;
    if (!pool || region === undefined) {
      throw new ValidationError('Cannot register agent', [{ path: 'poolId', code: 'unknown_pool', message: `${agent.poolId.slice(0, 128)} is not a known pool` }]);
    }
    const now = clock.now();
    return storage.agents.create({ id: agent.id, region, poolId: agent.poolId, primaryInstanceId: agent.instanceId, primaryLaunchedAt: now, createdAt: now });
  }

  /**
   * Validates a batch and puts the accepted reports in the ingest queue, from which the background worker
   * stores them in large batches. Resolves once they are queued (`wait: 'queued'`, what a server answers
   * 202 on) or, by default, also after the worker's next pass (`wait: 'stored'`: readable unless waiting
   * for a twin). Junk is rejected with reasons, never thrown; only a batch that is not an array throws
   * `ValidationError`, and a queue that cannot take the batch rejects (nothing was accepted). A failure
   * after acceptance becomes an `error` event and the worker tries again: accepted reports are never lost.
   */
  ingest(reports: readonly unknown[], options: IngestOptions = {}): Promise<IngestResult> {
    return this.#track(this.#ingest(reports, options));
  }

  async #ingest(reports: readonly unknown[], options: IngestOptions): Promise<IngestResult> {
    if (!Array.isArray(reports)) {
      throw new ValidationError('Invalid batch', [{ path: 'reports', code: 'invalid_type', message: 'expected an array of reports' }]);
    }
    const { config, storage, clock, counters, queue, worker } = this.#parts;
    const given = options.agent;
    const agents = given === undefined || given.id !== options.agentId ? storage.agents : { get: (id: string) => (id === given.id ? Promise.resolve(given) : storage.agents.get(id)) };
    const result = await validateReports(reports, { config, now: clock.now(), pools: this.#pools, agents, notices: storage.events, agentId: options.agentId });
    for (const r of result.rejected) {
      counters.reject(r.issues);
      this.emit('report.rejected', { report: reports[r.index], index: r.index, issues: r.issues });
    }
    if (result.accepted.length > 0) {
      await queue.enqueue(result.accepted);
      counters.accepted += result.accepted.length;
      if (this.listenerCount('report.accepted') > 0) for (const report of result.accepted) this.emit('report.accepted', { report });
      const drained = worker.drain();
      if (options.wait !== 'queued') await drained;
    }
    return { accepted: result.accepted.length, rejected: result.rejected };
  }

  /**
   * Waits until what was queued before the call is stored: runs a release pass (reports whose window
   * has closed) and a drain pass of the worker. Failures become `error` events (and are retried).
   */
  flush(): Promise<void> {
    return this.#track(this.#flush());
  }

  async #flush(): Promise<void> {
    await this.#parts.worker.sweep();
    await this.#parts.worker.drain();
  }

  /** Starts the background sweep (expired windows, left-over queue entries, replicas, alerts) and the signal sources. */
  start(): void {
    if (this.#parts.sweeper.running) return;
    this.#parts.worker.start();
    this.#parts.sweeper.start();
    this.#stopSources = this.#parts.signalSources.map((source) =>
      source.start(
        async (signal) => {
          await this.handleSignal(signal);
        },
        (error) => this.emit('error', { error, context: 'signal source' }),
      ),
    );
  }

  /** Stops the sources and the sweep and waits for work in progress: ingests, flows, the sweep, then drains the queue. */
  async stop(): Promise<void> {
    const sources = this.#stopSources;
    this.#stopSources = [];
    await Promise.allSettled(sources.map((stop) => stop()));
    await this.#parts.sweeper.stop();
    await Promise.allSettled([...this.#inFlight]);
    await this.#parts.replicas.idle();
    this.#parts.worker.stop();
    await this.#parts.worker.drain();
  }

  /** Turns mode flags on or off under the mutual exclusion (`ConflictError`: `Manual mode active` / `Auto mode active`). */
  setModes(agentId: string, change: ModeChange): Promise<ManualResult> {
    return this.#track(this.#parts.replicas.setModes(agentId, change));
  }

  /** Manual mode: refused while an auto flag is on; starts a hot standby and keeps one running. */
  enableManualReplica(agentId: string): Promise<ManualResult> {
    return this.#track(this.#parts.replicas.enableManualReplica(agentId));
  }

  /** Leaves manual mode: terminates the standby and stops creating them. */
  disableManualReplica(agentId: string): Promise<ManualResult> {
    return this.#track(this.#parts.replicas.disableManualReplica(agentId));
  }

  /** Promotes the ready replica, reroutes, terminates the old primary and starts the next replica (`ConflictError` if not ready). */
  manualSwitch(agentId: string): Promise<ManualResult> {
    return this.#track(this.#parts.replicas.manualSwitch(agentId));
  }

  /**
   * Acknowledge, then act: records a rebalance recommendation or termination notice exactly once across
   * SEF instances sharing the stores, and resolves at once with the notice (`created: false` for a
   * duplicate). The response runs in the background; its steps, outcome and deadline are in the notice's
   * record (`storage.events.getSignal(notice.id)`) and in `notice.progress` / `failover.*` events, and
   * `stop()` waits for it. Throws `ConflictError` for an instance that is not the agent's primary or replica.
   * `options.agent`: the agent's record as the caller has just read it (saves reading it again).
   */
  acceptSignal(signal: InterruptionSignal, options?: RecordNoticeOptions): Promise<NoticeReceipt> {
    return this.#track(this.#parts.replicas.acceptSignal(signal, options));
  }

  /** Like `acceptSignal`, but resolves when the response of a new notice has ended (a duplicate resolves at once). */
  handleSignal(signal: InterruptionSignal): Promise<SignalHandling> {
    return this.#track(this.#parts.replicas.handleSignal(signal));
  }

  /** A replica reports its state; `ready` makes it eligible for promotion. */
  replicaHeartbeat(agentId: string, instanceId: string, state: ReplicaHeartbeatState): Promise<ReplicaRecord> {
    return this.#track(this.#parts.replicas.replicaHeartbeat(agentId, instanceId, state));
  }

  /** The current interruption risk of the agent's primary, with its factors (emits `risk.scored`). */
  scoreRisk(agentId: string): Promise<RiskScore> {
    return this.#parts.replicas.scoreRisk(agentId);
  }

  /**
   * The reconciliation sweep now (the background sweep runs it every `cleanupInterval`): terminates every
   * instance SEF launched that no stored state accounts for, emitting `instance.orphaned` per decision.
   */
  reconcile(): Promise<ReconcileResult> {
    return this.#track(this.#parts.replicas.reconcile());
  }

  /** The agent with its standby, every replica, and the latest handled signals. */
  replicaStatus(agentId: string): Promise<AgentReplicaStatus> {
    return this.#parts.replicas.status(agentId);
  }

  get running(): boolean {
    return this.#parts.sweeper.running;
  }

  async stats(): Promise<SefStats> {
    const c = this.#parts.counters;
    const [buffered, queued, oldest] = await Promise.all([this.#parts.buffer.size(), this.#parts.queue.pending(), this.#parts.queue.oldestEnqueuedAt()]);
    return {
      accepted: c.accepted,
      rejected: c.rejected,
      rejectedByReason: { ...c.rejectedByReason },
      merged: { verified: c.verified, averaged: c.averaged },
      interpolated: c.interpolated,
      gaps: { detected: c.gapsDetected, filled: c.gapsFilled, unfillable: c.gapsUnfillable, retracted: c.gapsRetracted },
      buffered,
      queued,
      queueLagMs: oldest === undefined ? 0 : Math.max(0, this.#parts.clock.now() - oldest),
    };
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#inFlight.add(p);
    const done = () => this.#inFlight.delete(p);
    p.then(done, done);
    return p;
  }
}
