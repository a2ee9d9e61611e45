import { ConflictError } from '../errors/index.js';
import type { InstanceInfo } from '../ports/compute-provider.js';
import type { AgentRecord, ReplicaRecord, ReplicaStatus } from '../ports/types.js';
import { currentStandby, patchAgent, type FlowContext } from './context.js';
import { replicaIdFor, stepToken } from './ids.js';
import { ensureReplica, failReplica } from './launch-replica.js';
import { launchInPlan, planLaunch, type LaunchPlan } from './pools.js';
import type { StepLog } from './steps.js';
import { restoreIntoReplica, retireLeftBehind, snapshotPrimary, syncIntoReplicaFits } from './sync-into-replica.js';

export interface FlowResult {
  readonly outcome: string;
  readonly success: boolean;
  /** When the agent was served again (ms); the response time ends here, follow-up work comes after. */
  readonly servedAt?: number;
}

/**
 * The reroute step of every flow: the agent's traffic to `instanceId`, idempotent per cause. The router
 * cannot check a fencing token (an Elastic IP moves for whoever asks), so the step checks it in the store
 * immediately before the call and refuses (`StaleFencingTokenError`) when a newer lease holder has
 * registered its token; a lease found lost (aborted signal) refuses too. What stays unfenced is the call
 * itself: a holder that pauses after this check for longer than the lease can still move the traffic
 * once, to an instance its own decision chose.
 */
export function reroute(ctx: FlowContext, log: StepLog, agentId: string, instanceId: string, causeId: string, token: number): Promise<void> {
  return log.run('reroute', async (s) => {
    // A log that saves each step's start fenced has just checked the token: that save is the check.
    if (!log.startsFenced) await ctx.storage.agents.fence(agentId, token);
    if (s.aborted) throw s.reason;
    await ctx.router.route(agentId, instanceId, { signal: s, idempotencyToken: stepToken(causeId, 'route') });
  });
}

/**
 * Promotes a replica (ready, or one restored into: `from`) in the stores: it becomes the agent's primary. Returns the updated agent. A
 * replica already promoted (the step re-run after its process died) only gets the agent pointed at it.
 * `replica` and `agent` are the records as just read: a write that finds them changed reads them again.
 */
export async function promoteReplica(ctx: FlowContext, agent: AgentRecord, replica: ReplicaRecord, token: number, log: StepLog, from: readonly ReplicaStatus[] = ['ready']): Promise<AgentRecord> {
  const instanceId = replica.instanceId!;
  let updated: AgentRecord | undefined;
  await log.run('promote', async () => {
    const r = replica.status === 'promoted' ? replica : await promoted(ctx, replica, from, token);
    updated = await patchAgent(ctx, agent.id, token, () => ({ primaryInstanceId: instanceId, poolId: r.poolId, primaryLaunchedAt: r.createdAt, replicaInstanceId: null }), agent);
    ctx.emit('replica.promoted', { replica: r });
    return r;
  });
  return updated ?? (await ctx.storage.agents.get(agent.id)) ?? agent;
}

/** The replica's transition to `promoted`; one found promoted already (an earlier run got there) stands. */
async function promoted(ctx: FlowContext, replica: ReplicaRecord, from: readonly ReplicaStatus[], token: number): Promise<ReplicaRecord> {
  const now = ctx.clock.now();
  try {
    return await ctx.storage.replicas.transition(replica.id, from, 'promoted', { endedAt: now, ...(replica.readyAt === null ? { readyAt: now } : {}) }, { fencingToken: token });
  } catch (error) {
    const current = error instanceof ConflictError ? await ctx.storage.replicas.get(replica.id) : undefined;
    if (current?.status === 'promoted') return current;
    throw error;
  }
}

/** The emergency relaunch's record (`launching`, no instance yet); an earlier run's is reused. */
async function emergencyRecord(ctx: FlowContext, agent: AgentRecord, causeId: string, plan: LaunchPlan, token: number): Promise<ReplicaRecord> {
  const first = plan.attempts[0];
  if (!first) throw new Error(`No pool to relaunch agent ${agent.id} in`);
  const id = replicaIdFor(causeId, 'emergency');
  const existing = await ctx.storage.replicas.get(id);
  if (existing) return existing;
  const record = await ctx.storage.replicas.create(
    {
      id, agentId: agent.id, instanceId: null, poolId: first.poolId, market: first.market, replicaType: 'emergency',
      status: 'launching', createdAt: ctx.clock.now(), readyAt: null, endedAt: null, causeId,
    },
    { fencingToken: token },
  );
  ctx.emit('replica.launching', { replica: record });
  return record;
}

/**
 * Emergency recovery: snapshot, launch in the best pool from the snapshot, wait for it, make it the
 * primary, reroute. Every step is idempotent (provider tokens from the notice, a record id per notice), so
 * a run resumed by another process continues where the last one stopped.
 */
async function emergencyRecovery(ctx: FlowContext, agent: AgentRecord, causeId: string, token: number, log: StepLog): Promise<void> {
  const snapshotIds = await snapshotPrimary(ctx, agent.primaryInstanceId, causeId, log);
  const plan = await log.run('choose_pool', (s) => planLaunch(ctx, agent, true, s), (p) => p.attempts.slice(0, 3).map((a) => a.poolId).join(', '));
  const info = await log.run(
    'launch',
    async (s): Promise<InstanceInfo> => {
      let record = await emergencyRecord(ctx, agent, causeId, plan, token);
      if (record.instanceId !== null) return { instanceId: record.instanceId, poolId: record.poolId, market: record.market, state: 'pending', launchedAt: record.createdAt };
      const launched = await launchInPlan(ctx, plan, { agentId: agent.id, role: 'primary', snapshotIds }, causeId, s);
      record = await ctx.storage.replicas.transition(record.id, ['launching'], 'launching', { instanceId: launched.instanceId, poolId: launched.poolId, market: launched.market }, { fencingToken: token });
      return launched;
    },
    (i) => `${i.instanceId} in ${i.poolId}`,
  );
  await log.run('restore', (s) => ctx.compute.waitUntilRunning(info.instanceId, { signal: s }), () => `from ${snapshotIds.length} snapshot(s)`);
  await log.run('promote', async () => {
    const id = replicaIdFor(causeId, 'emergency');
    const current = await ctx.storage.replicas.get(id);
    const now = ctx.clock.now();
    const record = current?.status === 'promoted' ? current : await ctx.storage.replicas.transition(id, ['launching'], 'promoted', { readyAt: now, endedAt: now }, { fencingToken: token });
    await patchAgent(ctx, agent.id, token, () => ({ primaryInstanceId: info.instanceId, poolId: info.poolId, primaryLaunchedAt: info.launchedAt }));
    ctx.emit('replica.promoted', { replica: record });
  }, () => info.instanceId);
  await reroute(ctx, log, agent.id, info.instanceId, causeId, token);
}

/** Ends the emergency relaunch of a notice that failed for good: its instance must not run on unaccounted for. */
export async function abandonEmergency(ctx: FlowContext, causeId: string, token: number | undefined): Promise<void> {
  const record = await ctx.storage.replicas.get(replicaIdFor(causeId, 'emergency'));
  if (record && record.status === 'launching') await failReplica(ctx, record, token);
}

/**
 * How a notice for the agent's primary is answered, decided once and kept in the notice's record: promote
 * a ready replica; restore into a syncing one; or relaunch (`retireReplicaId`: the syncing replica that
 * could not be used in time, ended after the relaunch).
 */
export type TerminationPath =
  | { readonly path: 'promote'; readonly replicaId: string; readonly instanceId: string }
  | { readonly path: 'sync_into_replica'; readonly replicaId: string; readonly instanceId: string }
  | { readonly path: 'emergency'; readonly reason: string; readonly retireReplicaId?: string };

/**
 * The path of a termination notice for the primary, for a notice due at `deadline` (ms): promote a ready
 * replica; restore into a syncing one when the provider can and expects to be done by the deadline;
 * otherwise emergency recovery.
 */
export function terminationPath(ctx: FlowContext, replicas: readonly ReplicaRecord[], deadline: number): TerminationPath {
  const replica = currentStandby(replicas);
  if (replica?.status === 'ready' && replica.instanceId) return { path: 'promote', replicaId: replica.id, instanceId: replica.instanceId };
  if (replica?.status !== 'syncing' || !replica.instanceId) return { path: 'emergency', reason: replica ? `replica ${replica.id} is ${replica.status}` : 'no replica' };
  const { capabilities, expectedLatencies } = ctx.compute;
  if (!capabilities.snapshots || !capabilities.restoreInto) {
    return { path: 'emergency', reason: `replica ${replica.id} is syncing and the provider cannot restore into it`, retireReplicaId: replica.id };
  }
  const { fits, expectedMs } = syncIntoReplicaFits(expectedLatencies, ctx.clock.now(), deadline);
  if (fits) return { path: 'sync_into_replica', replicaId: replica.id, instanceId: replica.instanceId };
  const left = Math.max(0, deadline - ctx.clock.now());
  return { path: 'emergency', reason: `replica ${replica.id} is syncing: a restore into it is expected to take ${expectedMs} ms, ${left} ms left`, retireReplicaId: replica.id };
}

/**
 * A termination notice for the agent's primary, along its decided path: promote the ready replica (and
 * in auto or manual mode start the next one), or emergency recovery. Runs under the notice's deadline
 * (`log.signal`).
 */
export async function handleTermination(
  ctx: FlowContext,
  agent: AgentRecord,
  path: TerminationPath,
  causeId: string,
  token: number,
  log: StepLog,
  read?: { readonly agent: AgentRecord; readonly replicas: readonly ReplicaRecord[] },
): Promise<FlowResult> {
  const old = agent.primaryInstanceId;
  if (path.path === 'promote') {
    const replica = read?.replicas.find((r) => r.id === path.replicaId) ?? (await ctx.storage.replicas.get(path.replicaId));
    if (!replica) throw new Error(`Replica ${path.replicaId} of agent ${agent.id} is gone`);
    // Under a notice the store follows the facts at once: the old primary is going away either way.
    await promoteReplica(ctx, read?.agent ?? agent, { ...replica, instanceId: path.instanceId }, token, log);
    await reroute(ctx, log, agent.id, path.instanceId, causeId, token);
  } else if (path.path === 'sync_into_replica') {
    const replica = await ctx.storage.replicas.get(path.replicaId);
    if (!replica) throw new Error(`Replica ${path.replicaId} of agent ${agent.id} is gone`);
    await restoreIntoReplica(ctx, agent, path.instanceId, causeId, log);
    await reroute(ctx, log, agent.id, path.instanceId, causeId, token);
    // The restore took a while: the replica's record as it is now (its agent may have reported it ready).
    const now = (await ctx.storage.replicas.get(path.replicaId)) ?? replica;
    await promoteReplica(ctx, agent, { ...now, instanceId: path.instanceId }, token, log, ['syncing', 'ready']);
  } else {
    await emergencyRecovery(ctx, agent, causeId, token, log);
  }
  await log.run(
    'mark_old_terminated',
    () => ctx.storage.events.appendSystemEvent({ eventType: 'instance.terminated', agentId: agent.id, createdAt: ctx.clock.now(), payload: { instanceId: old, causeId } }),
    () => old,
  );
  const servedAt = ctx.clock.now();
  if (path.path === 'emergency' && path.retireReplicaId !== undefined) await retireLeftBehind(ctx, agent.id, path.retireReplicaId, token, log);
  const now = (await ctx.storage.agents.get(agent.id)) ?? agent;
  if (now.modes.autoSwitch || now.modes.manualReplica) {
    try {
      await ensureReplica(ctx, now, now.modes.manualReplica ? 'manual' : 'auto', `${causeId}:next`, token, log);
    } catch {
      // The failover itself is done; the step log holds the failed launch and the sweep tries again.
    }
  }
  const outcome = path.path === 'promote' ? 'promoted' : path.path === 'sync_into_replica' ? 'synced_into_replica' : 'emergency_recovery';
  return { outcome, success: true, servedAt };
}

/** A termination notice for the agent's replica: it goes; in manual mode the next one starts. */
export async function handleReplicaTermination(ctx: FlowContext, agent: AgentRecord, replicaId: string, causeId: string, token: number, log: StepLog): Promise<FlowResult> {
  await log.run('mark_replica_terminated', async () => {
    const current = await ctx.storage.replicas.get(replicaId);
    if (!current) throw new Error(`Replica ${replicaId} of agent ${agent.id} is gone`);
    const ended = current.status === 'terminated' ? current : await ctx.storage.replicas.transition(replicaId, ['launching', 'syncing', 'ready'], 'terminated', { endedAt: ctx.clock.now() }, { fencingToken: token });
    await patchAgent(ctx, agent.id, token, (a) => (a.replicaInstanceId === current.instanceId ? { replicaInstanceId: null } : {}));
    ctx.emit('replica.terminated', { replica: ended, reason: 'interrupted' });
    return ended;
  }, (r) => r.id);
  const servedAt = ctx.clock.now();
  const now = (await ctx.storage.agents.get(agent.id)) ?? agent;
  if (now.modes.manualReplica) await ensureReplica(ctx, now, 'manual', `${causeId}:next`, token, log).catch(() => undefined);
  return { outcome: 'replica_interrupted', success: true, servedAt };
}
