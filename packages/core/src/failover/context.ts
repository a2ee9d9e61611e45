import type { SefConfig } from '../config/index.js';
import type { Alert, AlertKind } from '../events/event-map.js';
import { setMaxListeners } from 'node:events';
import { ConflictError, DeadlineExceededError, NotFoundError, StaleFencingTokenError, UnavailableError } from '../errors/index.js';
import type { Clock, TimerHandle } from '../ports/clock.js';
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
  /**
   * Time-to-live of an agent lease (ms), renewed every third of it while its flow runs: how soon another
   * process can resume a failover whose process died. @default 15000
   */
  readonly leaseTtlMs?: number;
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
  return standbysOf(await ctx.storage.replicas.listByAgent(agentId));
}

/** Of an agent's replicas (oldest first), the standbys not yet promoted, terminated or failed. */
const standbysOf = (replicas: readonly ReplicaRecord[]): ReplicaRecord[] => replicas.filter((r) => activeStatuses.includes(r.status) && r.replicaType !== 'emergency');

/** Of an agent's replicas (oldest first), the current standby: the newest not yet promoted, terminated or failed. */
export const currentStandby = (replicas: readonly ReplicaRecord[]): ReplicaRecord | undefined => standbysOf(replicas).at(-1);

/** The agent's current standby (newest replica not yet promoted, terminated or failed), if any. */
export async function activeReplica(ctx: FlowContext, agentId: string): Promise<ReplicaRecord | undefined> {
  return currentStandby(await ctx.storage.replicas.listByAgent(agentId));
}

export async function requireAgent(ctx: FlowContext, agentId: string): Promise<AgentRecord> {
  const agent = await ctx.storage.agents.get(agentId);
  if (!agent) throw new NotFoundError(`Agent ${agentId} not found`);
  return agent;
}

/**
 * Compare-and-set on the agent under the lease's token, retrying when a mode toggle wrote in between.
 * `known`: the record as just read, tried first (its version is checked like any other).
 */
export async function patchAgent(ctx: FlowContext, agentId: string, token: number, patch: (agent: AgentRecord) => AgentPatch, known?: AgentRecord): Promise<AgentRecord> {
  for (let attempt = 0; ; attempt++) {
    const agent = attempt === 0 && known?.id === agentId ? known : await requireAgent(ctx, agentId);
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
 * Longest one housekeeping step may take (ms), a provider call of a sweep included: the notice grace
 * period. A hung provider holds no sweep longer; it is asked again at the next one.
 */
export const housekeepingLimitMs = (ctx: FlowContext): number => ctx.config.terminationGracePeriod * 1000;

/** The agent lease a sweep takes to act on one agent: its step's limit and a margin to release it. */
export const housekeepingLeaseMs = (ctx: FlowContext): number => housekeepingLimitMs(ctx) + 30_000;

/** Takes the agent's lease if free, with a token above every token the stores have seen for the agent. */
export async function acquireAgentLease(ctx: FlowContext, agentId: string, ttlMs: number): Promise<Lease | null> {
  const above = await ctx.storage.agents.highestFencingToken(agentId);
  return ctx.leases.acquire(`agent:${agentId}`, ctx.owner, ttlMs, { above });
}

/**
 * What a new lease holder does first with its token, before acting: registers it in the stores, so that
 * an older holder's next fenced write or reroute check is refused. A flow whose first act is a fenced read
 * of its state passes that read (it registers the token too) and gets its result.
 */
export type RegisterToken<R> = (token: number) => Promise<R>;

/**
 * Runs `fn` holding the agent's lease, waiting for it (on the clock) until `signal` aborts. The lease is
 * short (`leaseTtlMs`) and renewed while `fn` runs, so that a holder that dies frees the agent soon; when
 * a renewal fails the signal handed to `fn` aborts (another process may take over: stop acting).
 */
export async function withAgentLease<T, R = void>(
  ctx: FlowContext,
  agentId: string,
  signal: AbortSignal,
  fn: (lease: Lease, signal: AbortSignal, registered: R) => Promise<T>,
  register?: RegisterToken<R>,
): Promise<T> {
  const held = await leased(ctx, agentId, signal, true, fn, register);
  return held!.value;
}

/** Like {@link withAgentLease}, without waiting: undefined when another process holds the lease. */
export function tryAgentLease<T, R = void>(
  ctx: FlowContext,
  agentId: string,
  signal: AbortSignal,
  fn: (lease: Lease, signal: AbortSignal, registered: R) => Promise<T>,
  register?: RegisterToken<R>,
): Promise<{ value: T } | undefined> {
  return leased(ctx, agentId, signal, false, fn, register);
}

const leaseTtl = (ctx: FlowContext) => ctx.leaseTtlMs ?? 15_000;

/**
 * The lease's token comes from the lease manager's own counter first (no read of the stores before the
 * lease); only when the stores refuse it (the counter lost its state: Redis restarted without
 * persistence) is the lease taken again above the highest token the stores have seen.
 */
async function leased<T, R>(
  ctx: FlowContext,
  agentId: string,
  signal: AbortSignal,
  wait: boolean,
  fn: (lease: Lease, signal: AbortSignal, registered: R) => Promise<T>,
  register: RegisterToken<R> | undefined,
): Promise<{ value: T } | undefined> {
  const key = `agent:${agentId}`;
  const registerToken = register ?? ((token: number) => ctx.storage.agents.fence(agentId, token) as Promise<R>);
  let above: number | undefined;
  for (;;) {
    let lease: Lease | null;
    while (!(lease = await ctx.leases.acquire(key, ctx.owner, leaseTtl(ctx), above === undefined ? undefined : { above }))) {
      if (!wait) return undefined;
      if (signal.aborted) throw signal.reason ?? new DeadlineExceededError(`Lease of agent ${agentId} not obtained in time`);
      await ctx.clock.sleep(ctx.leaseRetryMs ?? 20, signal);
    }
    let registered: R;
    try {
      registered = await registerToken(lease.token);
    } catch (error) {
      await ctx.leases.release(lease).catch(() => undefined);
      if (!(error instanceof StaleFencingTokenError) || above !== undefined || signal.aborted) throw error;
      above = await ctx.storage.agents.highestFencingToken(agentId);
      continue;
    }
    return { value: await holdLease(ctx, agentId, lease, signal, (l, s) => fn(l, s, registered)) };
  }
}

/** Runs `fn` under a held lease whose token is registered, renewing it every third of its TTL, and releases it afterwards. */
async function holdLease<T>(ctx: FlowContext, agentId: string, held: Lease, signal: AbortSignal, fn: (lease: Lease, signal: AbortSignal) => Promise<T>): Promise<T> {
  const ttl = leaseTtl(ctx);
  const lost = new AbortController();
  setMaxListeners(0, lost.signal);
  const onAbort = () => lost.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  let current = held;
  let timer: TimerHandle | undefined;
  const renewSoon = () => {
    timer = ctx.clock.setTimer(ttl / 3, () => {
      ctx.leases.renew(current, ttl).then(
        (renewed) => {
          if (!renewed) lost.abort(new UnavailableError(`Lease of agent ${agentId} lost`));
          else if (!lost.signal.aborted) {
            current = renewed;
            renewSoon();
          }
        },
        (error: unknown) => lost.abort(new UnavailableError(`Lease of agent ${agentId} could not be renewed`, { cause: error })),
      );
    });
  };
  renewSoon();
  try {
    return await fn(held, lost.signal);
  } finally {
    timer?.cancel();
    signal.removeEventListener('abort', onAbort);
    await ctx.leases.release(current).catch((error: unknown) => ctx.emit('error', { error, context: `release of agent ${agentId}'s lease` }));
  }
}
