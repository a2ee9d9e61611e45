import type { AgentRecord, ReplicaRecord } from '../ports/types.js';
import { activeReplica, patchAgent, type FlowContext } from './context.js';
import { replicaIdFor, stepToken } from './ids.js';
import { ensureReplica, failReplica } from './launch-replica.js';
import { launchInPlan, planLaunch } from './pools.js';
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

/** Promotes a ready replica in the stores: it becomes the agent's primary. Returns the updated agent. */
export async function promoteReplica(ctx: FlowContext, agent: AgentRecord, replica: ReplicaRecord, token: number, log: StepLog): Promise<AgentRecord> {
  const instanceId = replica.instanceId!;
  const promoted = await log.run('promote', async () => {
    const r = await ctx.storage.replicas.transition(replica.id, ['ready'], 'promoted', { endedAt: ctx.clock.now() }, { fencingToken: token });
    await patchAgent(ctx, agent.id, token, () => ({ primaryInstanceId: instanceId, poolId: r.poolId, primaryLaunchedAt: r.createdAt, replicaInstanceId: null }));
    return r;
  });
  ctx.emit('replica.promoted', { replica: promoted });
  return (await ctx.storage.agents.get(agent.id)) ?? agent;
}

/** Emergency recovery: snapshot, launch in the best pool from the snapshot, wait for it, reroute. */
async function emergencyRecovery(ctx: FlowContext, agent: AgentRecord, causeId: string, token: number, log: StepLog): Promise<void> {
  const old = agent.primaryInstanceId;
  const snapshotIds = ctx.compute.capabilities.snapshots
    ? (await log.run('snapshot', (s) => ctx.compute.snapshot(old, { signal: s, idempotencyToken: stepToken(causeId, 'snapshot') }), (x) => x.snapshotIds.join(','))).snapshotIds
    : (log.note('snapshot', 'provider has no snapshots: relaunch from the image', true), []);
  const plan = await log.run('choose_pool', (s) => planLaunch(ctx, agent, true, s), (p) => p.attempts.slice(0, 3).map((a) => a.poolId).join(', '));
  const first = plan.attempts[0];
  if (!first) throw new Error(`No pool to relaunch agent ${agent.id} in`);
  let record = await ctx.storage.replicas.create(
    {
      id: replicaIdFor(causeId, 'emergency'), agentId: agent.id, instanceId: null, poolId: first.poolId, market: first.market, replicaType: 'emergency',
      status: 'launching', createdAt: ctx.clock.now(), readyAt: null, endedAt: null, causeId,
    },
    { fencingToken: token },
  );
  ctx.emit('replica.launching', { replica: record });
  try {
    const info = await log.run('launch', (s) => launchInPlan(ctx, plan, { agentId: agent.id, role: 'primary', snapshotIds }, causeId, s), (i) => `${i.instanceId} in ${i.poolId}`);
    record = await ctx.storage.replicas.transition(record.id, ['launching'], 'launching', { instanceId: info.instanceId, poolId: info.poolId, market: info.market }, { fencingToken: token });
    await log.run('restore', (s) => ctx.compute.waitUntilRunning(info.instanceId, { signal: s }), () => `from ${snapshotIds.length} snapshot(s)`);
    const now = ctx.clock.now();
    record = await ctx.storage.replicas.transition(record.id, ['launching'], 'promoted', { readyAt: now, endedAt: now }, { fencingToken: token });
    await patchAgent(ctx, agent.id, token, () => ({ primaryInstanceId: info.instanceId, poolId: info.poolId, primaryLaunchedAt: info.launchedAt }));
    ctx.emit('replica.promoted', { replica: record });
    await reroute(ctx, log, agent.id, info.instanceId, causeId);
  } catch (error) {
    // Cleanup must not hold the failure's record past the deadline.
    const failed = record;
    ctx.background(`cleanup of ${failed.id}`, () => failReplica(ctx, failed, token));
    throw error;
  }
}

/**
 * A termination notice for the agent's primary: with a ready replica, promote it (and in auto or manual
 * mode start the next one); without, emergency recovery. Runs under the notice's deadline (`log.signal`).
 */
export async function handleTermination(ctx: FlowContext, agent: AgentRecord, causeId: string, token: number, log: StepLog): Promise<FlowResult> {
  const replica = await activeReplica(ctx, agent.id);
  const old = agent.primaryInstanceId;
  let outcome: string;
  if (replica?.status === 'ready' && replica.instanceId) {
    // Under a notice the store follows the facts at once: the old primary is going away either way.
    await promoteReplica(ctx, agent, replica, token, log);
    await reroute(ctx, log, agent.id, replica.instanceId, causeId);
    outcome = 'promoted';
  } else {
    log.note('check_replica', replica ? `replica ${replica.id} is ${replica.status}: emergency path` : 'no replica: emergency path');
    await emergencyRecovery(ctx, agent, causeId, token, log);
    outcome = 'emergency_recovery';
  }
  await ctx.storage.events.appendSystemEvent({ eventType: 'instance.terminated', agentId: agent.id, createdAt: ctx.clock.now(), payload: { instanceId: old, causeId } });
  log.note('mark_old_terminated', old);
  const servedAt = ctx.clock.now();
  const now = (await ctx.storage.agents.get(agent.id)) ?? agent;
  if (now.modes.autoSwitch || now.modes.manualReplica) {
    try {
      await ensureReplica(ctx, now, now.modes.manualReplica ? 'manual' : 'auto', `${causeId}:next`, token, log);
    } catch {
      // The failover itself is done; the step log holds the failed launch and the sweep tries again.
    }
  }
  return { outcome, success: true, servedAt };
}

/** A termination notice for the agent's replica: it goes; in manual mode the next one starts. */
export async function handleReplicaTermination(ctx: FlowContext, agent: AgentRecord, replica: ReplicaRecord, causeId: string, token: number, log: StepLog): Promise<FlowResult> {
  const ended = await log.run('mark_replica_terminated', () =>
    ctx.storage.replicas.transition(replica.id, ['launching', 'syncing', 'ready'], 'terminated', { endedAt: ctx.clock.now() }, { fencingToken: token }),
  );
  await patchAgent(ctx, agent.id, token, (a) => (a.replicaInstanceId === replica.instanceId ? { replicaInstanceId: null } : {}));
  ctx.emit('replica.terminated', { replica: ended, reason: 'interrupted' });
  const servedAt = ctx.clock.now();
  const now = (await ctx.storage.agents.get(agent.id)) ?? agent;
  if (now.modes.manualReplica) await ensureReplica(ctx, now, 'manual', `${causeId}:next`, token, log).catch(() => undefined);
  return { outcome: 'replica_interrupted', success: true, servedAt };
}
