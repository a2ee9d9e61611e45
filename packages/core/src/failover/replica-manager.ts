import type { RiskScore } from '../events/event-map.js';
import { ConflictError, NotFoundError } from '../errors/index.js';
import type { AgentRecord, InterruptionEventRecord, InterruptionSignal, ReplicaRecord } from '../ports/types.js';
import type { ModeChange } from '../modes/mode-rules.js';
import { createRiskScorer } from '../risk/risk-scorer.js';
import { activeReplica, requireAgent, type FlowContext, type ReplicaManagerDeps } from './context.js';
import { manualSwitch, setModes, type ManualResult } from './manual.js';
import { recordNotice, type NoticeReceipt, type RecordNoticeOptions } from './notice-intake.js';
import { runNotice } from './notice-runner.js';
import { sweep, type SweepResult } from './sweep.js';
import { reconcile, type ReconcileResult } from './reconcile.js';

/** What an agent's replica reports about itself: still catching up, or ready to take over. */
export type ReplicaHeartbeatState = 'syncing' | 'ready';

export interface AgentReplicaStatus {
  readonly agent: AgentRecord;
  /** The current standby, if any. */
  readonly replica: ReplicaRecord | null;
  /** Every replica of the agent, oldest first. */
  readonly replicas: readonly ReplicaRecord[];
  /** The latest handled signals, newest first. */
  readonly signals: readonly InterruptionEventRecord[];
}

export interface SignalHandling {
  /** False when this signal was already recorded (a duplicate, or another SEF instance has it). */
  readonly handled: boolean;
  /** The notice as it ended (handled), or as stored when this copy arrived (a duplicate). */
  readonly event: InterruptionEventRecord;
}

/** Replica management of one SEF instance; several instances may share the stores and the leases. */
export interface ReplicaManager {
  /** Changes mode flags under the spec's exclusion (`Manual mode active` / `Auto mode active`), with follow-ups. */
  setModes(agentId: string, change: ModeChange): Promise<ManualResult>;
  enableManualReplica(agentId: string): Promise<ManualResult>;
  disableManualReplica(agentId: string): Promise<ManualResult>;
  /** Promotes the ready manual replica, reroutes, terminates the old primary, starts the next replica. */
  manualSwitch(agentId: string): Promise<ManualResult>;
  /**
   * Records a notice (exactly once across instances) and returns at once; a new notice's response runs in
   * the background (see `idle`). Throws `ConflictError` when the notice names an instance that is not the
   * agent's primary or replica, `NotFoundError` for an unknown agent.
   */
  acceptSignal(signal: InterruptionSignal, options?: RecordNoticeOptions): Promise<NoticeReceipt>;
  /** `acceptSignal`, then waits for the response of a new notice; a duplicate resolves at once. */
  handleSignal(signal: InterruptionSignal): Promise<SignalHandling>;
  /**
   * Resumes open notices that no process is working on (their process died or lost its lease), and ends
   * those past their deadline as failed. Starts them in the background and returns.
   */
  resumeNotices(): Promise<void>;
  /** A replica's agent reports its state; `ready` makes a launching or syncing replica `ready`. */
  replicaHeartbeat(agentId: string, instanceId: string, state: ReplicaHeartbeatState): Promise<ReplicaRecord>;
  /** The current interruption risk of the agent's primary (emits `risk.scored`). */
  scoreRisk(agentId: string): Promise<RiskScore>;
  /** Housekeeping: unused auto replicas, missing manual standbys, the slow-replica alert. */
  sweep(): Promise<SweepResult>;
  /** The reconciliation sweep: terminates instances SEF launched that no stored state accounts for. */
  reconcile(): Promise<ReconcileResult>;
  status(agentId: string): Promise<AgentReplicaStatus>;
  /** Resolves when the background work started so far (replicas booting) has settled. */
  idle(): Promise<void>;
}

/**
 * The replica manager: risk, pool choice, modes and failover orchestration over the ports.
 * @example
 * const clock = createFakeClock(Date.UTC(2026, 0, 1));
 * const cloud = createSimulatedCloud({ clock });
 * const replicas = createReplicaManager({
 *   storage: createMemoryStorage({ clock }), compute: cloud.compute, priceFeed: cloud.priceFeed, router: cloud.router,
 *   leases: createMemoryLeaseManager({ clock }), clock, config: parseConfig(), emit: (e, p) => sef.emit(e, p), owner: 'sef-1',
 * });
 * const { notice } = await replicas.acceptSignal({ ...cloud.signals.notice('i-123', 'termination-notice'), agentId: 'a1' });
 */
export function createReplicaManager(deps: ReplicaManagerDeps): ReplicaManager {
  const tasks = new Set<Promise<unknown>>();
  /** Notices this instance is running, by id: a second start joins the first. */
  const running = new Map<string, Promise<InterruptionEventRecord | undefined>>();
  const start = (id: string, ifFree = false, recorded?: InterruptionEventRecord): Promise<InterruptionEventRecord | undefined> => {
    const existing = running.get(id);
    if (existing) return existing;
    const run = runNotice(ctx, id, { ifFree, ...(recorded ? { recorded } : {}) });
    running.set(id, run);
    const task = run.catch((error: unknown) => deps.emit('error', { error, context: `notice ${id}` })).finally(() => running.delete(id));
    tasks.add(task);
    void task.finally(() => tasks.delete(task));
    return run;
  };
  const accept = async (signal: InterruptionSignal, options?: RecordNoticeOptions): Promise<NoticeReceipt> => {
    const receipt = await recordNotice(ctx, signal, options);
    deps.emit('notice.received', { notice: receipt.notice, duplicate: !receipt.created });
    return receipt;
  };
  const ctx: FlowContext = {
    ...deps,
    risk: createRiskScorer({ events: deps.storage.events, priceFeed: deps.priceFeed, clock: deps.clock, config: deps.config, emit: deps.emit, riskModel: deps.riskModel, heuristic: deps.heuristic }),
    background(context, work) {
      const task = work().catch((error: unknown) => deps.emit('error', { error, context }));
      tasks.add(task);
      void task.finally(() => tasks.delete(task));
    },
  };

  return {
    setModes: (agentId, change) => setModes(ctx, agentId, change),
    enableManualReplica: (agentId) => setModes(ctx, agentId, { manualReplica: true }),
    disableManualReplica: (agentId) => setModes(ctx, agentId, { manualReplica: false }),
    manualSwitch: (agentId) => manualSwitch(ctx, agentId),
    async acceptSignal(signal, options) {
      const receipt = await accept(signal, options);
      if (receipt.created) void start(receipt.notice.id, false, receipt.notice).catch(() => undefined);
      return receipt;
    },
    async handleSignal(signal) {
      const receipt = await accept(signal);
      if (!receipt.created) return { handled: false, event: receipt.notice };
      const ended = await start(receipt.notice.id, false, receipt.notice);
      return { handled: true, event: ended ?? (await deps.storage.events.getSignal(receipt.notice.id)) ?? receipt.notice };
    },
    async resumeNotices() {
      for (const notice of await deps.storage.events.listOpenSignals({ limit: 100 })) {
        if (!running.has(notice.id)) void start(notice.id, true).catch(() => undefined);
      }
    },
    async replicaHeartbeat(agentId, instanceId, state) {
      const replica = await deps.storage.replicas.findByInstance(instanceId);
      if (!replica || replica.agentId !== agentId) throw new NotFoundError(`Instance ${instanceId} is not a replica of agent ${agentId}`);
      if (state !== 'ready' || replica.status === 'ready') return replica;
      if (replica.status !== 'launching' && replica.status !== 'syncing') throw new ConflictError(`Replica ${replica.id} is ${replica.status}`);
      try {
        const ready = await deps.storage.replicas.transition(replica.id, ['launching', 'syncing'], 'ready', { readyAt: deps.clock.now() });
        deps.emit('replica.ready', { replica: ready });
        return ready;
      } catch (error) {
        const now = await deps.storage.replicas.get(replica.id);
        if (now?.status === 'ready') return now;
        throw error;
      }
    },
    async scoreRisk(agentId) {
      const agent = await requireAgent(ctx, agentId);
      return ctx.risk.scoreInstance({ agentId, poolId: agent.poolId, instanceId: agent.primaryInstanceId, launchedAt: agent.primaryLaunchedAt });
    },
    sweep: () => sweep(ctx),
    reconcile: () => reconcile(ctx),
    async status(agentId) {
      const agent = await requireAgent(ctx, agentId);
      const [replica, replicas, signals] = await Promise.all([
        activeReplica(ctx, agentId),
        deps.storage.replicas.listByAgent(agentId),
        deps.storage.events.listSignals({ since: 0, agentId, limit: 20 }),
      ]);
      return { agent, replica: replica ?? null, replicas, signals };
    },
    async idle() {
      while (tasks.size > 0) await Promise.allSettled([...tasks]);
    },
  };
}
