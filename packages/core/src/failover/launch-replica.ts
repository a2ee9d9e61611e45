import type { AgentRecord, ReplicaRecord, ReplicaType } from '../ports/types.js';
import { abortable, timeoutSignal } from './deadline.js';
import { activeReplica, patchAgent, raiseAlert, type FlowContext } from './context.js';
import { replicaIdFor, stepToken } from './ids.js';
import { planLaunch, launchInPlan } from './pools.js';
import type { StepLog } from './steps.js';
import { terminateWithRetry } from './terminate-retry.js';

/**
 * Starts a standby replica in the cheapest safe pool: record (`launching`), launch, point the agent's
 * replica at it. Returns undefined when no pool is safe (alert raised). Booting to `syncing` is left to
 * {@link awaitReplicaRunning}, so that the agent's lease is not held for the instance's boot.
 */
export async function startReplica(
  ctx: FlowContext,
  agent: AgentRecord,
  type: ReplicaType,
  causeId: string,
  token: number,
  log: StepLog,
): Promise<ReplicaRecord | undefined> {
  const plan = await log.run('choose_pool', (s) => planLaunch(ctx, agent, false, s), (p) => p.attempts.map((a) => `${a.poolId}(${a.market})`).slice(0, 3).join(', ') || p.choice.kind);
  const first = plan.attempts[0];
  if (!first) {
    await raiseAlert(ctx, 'no_safe_pool', `No safe pool for a replica of agent ${agent.id}`, agent.id, { causeId });
    return undefined;
  }
  const { replicas } = ctx.storage;
  let record = await createAttempt(ctx, agent, type, causeId, first, token);
  if (record.instanceId !== null) return record; // this cause's launch already happened (a retried call)
  ctx.emit('replica.launching', { replica: record });
  let launched: string | null = null;
  try {
    const attemptCause = record.causeId;
    const info = await log.run('launch_replica', (s) => launchInPlan(ctx, plan, { agentId: agent.id, role: 'replica' }, attemptCause, s), (i) => `${i.instanceId} in ${i.poolId}`);
    launched = info.instanceId;
    record = await replicas.transition(record.id, ['launching'], 'launching', { instanceId: info.instanceId, poolId: info.poolId, market: info.market }, { fencingToken: token });
    await patchAgent(ctx, agent.id, token, () => ({ replicaInstanceId: info.instanceId }));
    return record;
  } catch (error) {
    // Whatever failed after the launch, the instance it started must not be left running unaccounted for.
    const failed = { ...record, instanceId: launched ?? record.instanceId };
    ctx.background(`cleanup of ${failed.id}`, () => failReplica(ctx, failed, token));
    throw error;
  }
}

/**
 * The replica record of this cause. A cause whose replica has already ended (a launch that failed, then
 * the same request again) is spent: the next attempt gets its own id and its own idempotency tokens, so the
 * provider does not hand back the ended attempt's instance.
 */
async function createAttempt(
  ctx: FlowContext,
  agent: AgentRecord,
  type: ReplicaType,
  causeId: string,
  first: { poolId: string; market: ReplicaRecord['market'] },
  token: number,
): Promise<ReplicaRecord> {
  for (let attempt = 0; ; attempt++) {
    const cause = attempt === 0 ? causeId : `${causeId}:retry${attempt}`;
    const record = await ctx.storage.replicas.create(
      {
        id: replicaIdFor(cause), agentId: agent.id, instanceId: null, poolId: first.poolId, market: first.market, replicaType: type,
        status: 'launching', createdAt: ctx.clock.now(), readyAt: null, endedAt: null, causeId: cause,
      },
      { fencingToken: token },
    );
    if (record.status === 'launching') return record;
  }
}

/** Waits for the provider to run the replica, then `launching → syncing`; the agent's heartbeat makes it `ready`. */
export async function awaitReplicaRunning(ctx: FlowContext, replica: ReplicaRecord, signal?: AbortSignal): Promise<ReplicaRecord> {
  if (!replica.instanceId) return replica;
  await ctx.compute.waitUntilRunning(replica.instanceId, signal ? { signal } : {});
  try {
    return await ctx.storage.replicas.transition(replica.id, ['launching'], 'syncing');
  } catch {
    // Already ready (an early heartbeat), or terminated meanwhile: the stored status stands.
    return (await ctx.storage.replicas.get(replica.id)) ?? replica;
  }
}

/** Marks a replica failed and terminates its instance, best effort (under the caller's token). */
export async function failReplica(ctx: FlowContext, replica: ReplicaRecord, token: number | undefined): Promise<void> {
  const current = (await ctx.storage.replicas.get(replica.id)) ?? replica;
  try {
    await ctx.storage.replicas.transition(current.id, ['launching', 'syncing', 'ready'], 'failed', { endedAt: ctx.clock.now() }, token === undefined ? {} : { fencingToken: token });
  } catch {
    // Someone else settled it.
  }
  if (current.instanceId) {
    const cleanup = await terminateWithRetry(ctx, current.instanceId, stepToken(current.causeId, 'cleanup'));
    // Not swallowed: the reconciliation sweep ends the instance later, and the failure is on record.
    if (cleanup.error !== undefined) ctx.emit('error', { error: cleanup.error, context: `cleanup of replica ${current.id} (left to the reconciliation sweep)` });
    const agent = await ctx.storage.agents.get(current.agentId);
    if (agent?.replicaInstanceId === current.instanceId && token !== undefined) {
      await patchAgent(ctx, agent.id, token, (a) => (a.replicaInstanceId === current.instanceId ? { replicaInstanceId: null } : {})).catch(() => {});
    }
  }
}

/** Terminates a standby (unused, interrupted, or manual mode turned off) and clears it from the agent. */
export async function retireReplica(ctx: FlowContext, replica: ReplicaRecord, reason: string, token: number, log: StepLog): Promise<ReplicaRecord> {
  if (replica.instanceId) {
    const id = replica.instanceId;
    await log.run('terminate_replica', async (s) => {
      const { error } = await terminateWithRetry(ctx, id, stepToken(replica.causeId, 'terminate'), s);
      if (error !== undefined) throw error;
    });
  }
  const ended = await ctx.storage.replicas.transition(replica.id, ['launching', 'syncing', 'ready'], 'terminated', { endedAt: ctx.clock.now() }, { fencingToken: token });
  await patchAgent(ctx, replica.agentId, token, (a) => (a.replicaInstanceId === replica.instanceId ? { replicaInstanceId: null } : {}));
  ctx.emit('replica.terminated', { replica: ended, reason });
  await ctx.storage.events.appendSystemEvent({ eventType: `replica.${reason}`, agentId: replica.agentId, createdAt: ctx.clock.now(), payload: { replicaId: replica.id, instanceId: replica.instanceId } });
  return ended;
}

/**
 * Whether `replica` was started by `causeId` itself (its first attempt or a retry): a run of that cause
 * resumed after its process died finds its own launch, not another cause's standby.
 */
export const startedBy = (replica: ReplicaRecord, causeId: string): boolean => replica.causeId === causeId || replica.causeId.startsWith(`${causeId}:retry`);

/**
 * Starts a replica unless the agent has one, and lets it boot in the background. A standby still
 * `launching` for this very cause is this run's own launch, resumed after its process died (perhaps after
 * the provider started the instance, before its id was recorded): the launch is made again with the
 * cause's token, which hands back that instance, and its boot is watched again.
 */
export async function ensureReplica(ctx: FlowContext, agent: AgentRecord, type: ReplicaType, causeId: string, token: number, log: StepLog): Promise<ReplicaRecord | undefined> {
  const existing = await activeReplica(ctx, agent.id);
  if (existing && !(existing.status === 'launching' && startedBy(existing, causeId))) return existing;
  const started = await startReplica(ctx, agent, type, causeId, token, log);
  if (started) bootInBackground(ctx, started);
  return started;
}

/** Longest a replica may take to run before it is given up (ms). */
const bootLimitMs = 600_000;

/** Lets a started replica boot after the caller returned; one that never runs is marked failed. */
export function bootInBackground(ctx: FlowContext, replica: ReplicaRecord): void {
  ctx.background(`replica ${replica.id} boot`, async () => {
    const { signal, cancel } = timeoutSignal(ctx.clock, bootLimitMs);
    try {
      await abortable(awaitReplicaRunning(ctx, replica, signal), signal);
    } catch (error) {
      await failReplica(ctx, replica, undefined);
      throw error;
    } finally {
      cancel();
    }
  });
}
