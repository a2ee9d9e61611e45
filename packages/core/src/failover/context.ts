import type { SefConfig } from '../config/index.js';
import type { Alert, AlertKind } from '../events/event-map.js';
import { ConflictError, DeadlineExceededError, NotFoundError } from '../errors/index.js';
import type { Clock } from '../ports/clock.js';
import type { ComputeProvider } from '../ports/compute-provider.js';
import type { Lease, LeaseManager } from '../ports/lease-manager.js';
import type { PriceFeed } from '../ports/price-feed.js';
import type { RiskModel } from '../ports/risk-model.js';
import type { Router } from '../ports/router.js';
import type { SefStorage } from '../ports/storage.js';
import type { AgentPatch, AgentRecord, ReplicaRecord, ReplicaStatus } from '../ports/types.js';
import type { RiskHeuristicOptions } from '../risk/factors.js';
import type { RiskScorer } from '../risk/risk-scorer.js';
import type { SefEmit } from './emit.js';

export interface ReplicaManagerDeps {
  readonly storage: SefStorage;
  readonly compute: ComputeProvider;
  readonly priceFeed: PriceFeed;
  readonly router: Router;
  readonly leases: LeaseManager;
  readonly clock: Clock;
  readonly config: SefConfig;
  readonly emit: SefEmit;
  /** Optional external risk model, asked under `config.riskModelTimeout`. @default undefined */
  readonly riskModel?: RiskModel | undefined;
  /** Name of this SEF instance, as the lease owner. */
  readonly owner: string;
  /** Constants of the risk heuristic. @default defaultRiskHeuristic */
  readonly heuristic?: RiskHeuristicOptions | undefined;
  /** How often a busy agent lease is tried again while waiting for it (ms). @default 20 */
  readonly leaseRetryMs?: number;
}

/** What the flows share: the dependencies, the risk scorer and the background task set. */
export interface FlowContext extends ReplicaManagerDeps {
  readonly risk: RiskScorer;
  /** Runs work that outlives the call that started it (a replica booting); its failure is emitted as `error`. */
  background(context: string, work: () => Promise<unknown>): void;
}

export const activeStatuses: readonly ReplicaStatus[] = ['launching', 'syncing', 'ready'];

/** Every standby record of the agent not yet promoted, terminated or failed, oldest first. */
export async function activeStandbys(ctx: FlowContext, agentId: string): Promise<ReplicaRecord[]> {
  const all = await ctx.storage.replicas.listByAgent(agentId);
  return all.filter((r) => activeStatuses.includes(r.status) && r.replicaType !== 'emergency');
}

/** The agent's current standby (newest replica not yet promoted, terminated or failed), if any. */
export async function activeReplica(ctx: FlowContext, agentId: string): Promise<ReplicaRecord | undefined> {
  return (await activeStandbys(ctx, agentId)).at(-1);
}

export async function requireAgent(ctx: FlowContext, agentId: string): Promise<AgentRecord> {
  const agent = await ctx.storage.agents.get(agentId);
  if (!agent) throw new NotFoundError(`Agent ${agentId} not found`);
  return agent;
}

/** Compare-and-set on the agent under the lease's token, retrying when a mode toggle wrote in between. */
export async function patchAgent(ctx: FlowContext, agentId: string, token: number, patch: (agent: AgentRecord) => AgentPatch): Promise<AgentRecord> {
  for (let attempt = 0; ; attempt++) {
    const agent = await requireAgent(ctx, agentId);
    try {
      return await ctx.storage.agents.update(agentId, agent.version, patch(agent), { fencingToken: token });
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= 20) throw error;
    }
  }
}

/** Emits an alert and keeps it in the system event log. */
export async function raiseAlert(ctx: FlowContext, kind: AlertKind, message: string, agentId?: string, details?: Record<string, unknown>): Promise<Alert> {
  const alert: Alert = { kind, message, at: ctx.clock.now(), ...(agentId ? { agentId } : {}), ...(details ? { details } : {}) };
  ctx.emit('alert', alert);
  await ctx.storage.events.appendSystemEvent({ eventType: `alert.${kind}`, agentId: agentId ?? null, createdAt: alert.at, payload: { message, ...details } });
  return alert;
}

/**
 * Runs `fn` holding the agent's lease, waiting for it (on the clock) until `signal` aborts. The lease
 * outlives the deadline by a margin so that the holder's last writes (the outcome) still carry a live token.
 */
export async function withAgentLease<T>(ctx: FlowContext, agentId: string, until: number, signal: AbortSignal, fn: (lease: Lease) => Promise<T>): Promise<T> {
  const key = `agent:${agentId}`;
  const ttl = Math.max(1_000, until - ctx.clock.now()) + 30_000;
  let lease: Lease | null = null;
  while (!(lease = await ctx.leases.acquire(key, ctx.owner, ttl))) {
    if (signal.aborted) throw signal.reason ?? new DeadlineExceededError(`Lease of agent ${agentId} not obtained in time`);
    await ctx.clock.sleep(ctx.leaseRetryMs ?? 20, signal);
  }
  try {
    return await fn(lease);
  } finally {
    await ctx.leases.release(lease);
  }
}
