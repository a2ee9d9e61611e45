import type { InstanceInfo } from '../ports/compute-provider.js';
import type { AgentRecord, ReplicaRecord } from '../ports/types.js';
import { activeReplica, patchAgent, type FlowContext } from './context.js';
import { replicaIdFor, stepToken } from './ids.js';
import { ensureReplica, failReplica } from './launch-replica.js';
import { launchInPlan, planLaunch, type LaunchPlan } from './pools.js';
import type { StepLog } from './steps.js';

export interface FlowResult {
  readonly outcome: string;
  readonly success: boolean;
  /** When the agent was served again (ms); the response time ends here, follow-up work comes after. */
  readonly servedAt?: number;
}

/** The reroute step of every flow: the agent's traffic to `instanceId`, idempotent per cause. */
export function reroute(ctx: FlowContext, log: StepLog, agentId: string, instanceId: string, causeId: string): Promise<void> {
  return log.run('reroute', (s) => ctx.router.route(agentId, instanceId, { signal: s, idempotencyToken: stepToken(causeId, 'route') }));
}

/**
 * Promotes a ready replica in the stores: it becomes the agent's primary. Returns the updated agent. A
 * replica already promoted (the step re-run after its process died) only gets the agent pointed at it.
 */
export async function promoteReplica(ctx: FlowContext, agent: AgentRecord, replica: ReplicaRecord, token: number, log: StepLog): Promise<AgentRecord> {
  const instanceId = replica.instanceId!;
  await log.run('promote', async () => {
    const current = (await ctx.storage.replicas.get(replica.id)) ?? replica;
    const r = current.status === 'promoted' ? current : await ctx.storage.replicas.transition(replica.id, ['ready'], 'promoted', { endedAt: ctx.clock.now() }, { fencingToken: token });
    await patchAgent(ctx, agent.id, token, () => ({ primaryInstanceId: instanceId, poolId: r.poolId, primaryLaunchedAt: r.createdAt, replicaInstanceId: null }));
    ctx.emit('replica.promoted', { replica: r });
    return r;
  });
  return (await ctx.storage.agents.get(agent.id)) ?? agent;
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
  const old = agent.primaryInstanceId;
  const snapshotIds = ctx.compute.capabilities.snapshots
    ? (await log.run('snapshot', (s) => ctx.compute.snapshot(old, { signal: s, idempotencyToken: stepToken(causeId, 'snapshot') }), (x) => x.snapshotIds.join(','))).snapshotIds
    : (log.note('snapshot', 'provider has no snapshots: relaunch from the image', true), []);
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
  await reroute(ctx, log, agent.id, info.instanceId, causeId);
}

/** Ends the emergency relaunch of a notice that failed for good: its instance must not run on unaccounted for. */
export async function abandonEmergency(ctx: FlowContext, causeId: string, token: number | undefined): Promise<void> {
  const record = await ctx.storage.replicas.get(replicaIdFor(causeId, 'emergency'));
  if (record && record.status === 'launching') await failReplica(ctx, record, token);
}

/** How a notice for the agent's primary is answered, decided once and kept in the notice's record. */
export type TerminationPath = { readonly path: 'promote'; readonly replicaId: string; readonly instanceId: string } | { readonly path: 'emergency'; readonly reason: string };

/** The path of a termination notice for the primary: promote a ready replica, else emergency recovery. */
export async function terminationPath(ctx: FlowContext, agentId: string): Promise<TerminationPath> {
  const replica = await activeReplica(ctx, agentId);
  if (replica?.status === 'ready' && replica.instanceId) return { path: 'promote', replicaId: replica.id, instanceId: replica.instanceId };
  return { path: 'emergency', reason: replica ? `replica ${replica.id} is ${replica.status}` : 'no replica' };
}

/**
 * A termination notice for the agent's primary, along its decided path: promote the ready replica (and
 * in auto or manual mode start the next one), or emergency recovery. Runs under the notice's deadline
 * (`log.signal`).
 */
export async function handleTermination(ctx: FlowContext, agent: AgentRecord, path: TerminationPath, causeId: string, token: number, log: StepLog): Promise<FlowResult> {
  const old = agent.primaryInstanceId;
  if (path.path === 'promote') {
    const replica = await ctx.storage.replicas.get(path.replicaId);
    if (!replica) throw new Error(`Replica ${path.replicaId} of agent ${agent.id} is gone`);
    // Under a notice the store follows the facts at once: the old primary is going away either way.
    await promoteReplica(ctx, agent, { ...replica, instanceId: path.instanceId }, token, log);
    await reroute(ctx, log, agent.id, path.instanceId, causeId);
  } else {
    await emergencyRecovery(ctx, agent, causeId, token, log);
  }
  await log.run(
    'mark_old_terminated',
    () => ctx.storage.events.appendSystemEvent({ eventType: 'instance.terminated', agentId: agent.id, createdAt: ctx.clock.now(), payload: { instanceId: old, causeId } }),
    () => old,
  );
  const servedAt = ctx.clock.now();
  const now = (await ctx.storage.agents.get(agent.id)) ?? agent;
  if (now.modes.autoSwitch || now.modes.manualReplica) {
    try {
      await ensureReplica(ctx, now, now.modes.manualReplica ? 'manual' : 'auto', `${causeId}:next`, token, log);
    } catch {
      // The failover itself is done; the step log holds the failed launch and the sweep tries again.
    }
  }
  return { outcome: path.path === 'promote' ? 'promoted' : 'emergency_recovery', success: true, servedAt };
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
