import { NotFoundError } from '../errors/index.js';
import type { AgentRecord, InterruptionEventRecord, InterruptionSignal } from '../ports/types.js';
import { activeReplica, raiseAlert, withAgentLease, type FlowContext } from './context.js';
import { deadlineSignal } from './deadline.js';
import { signalId } from './ids.js';
import { handleRebalance } from './rebalance.js';
import { createStepLog, errorText } from './steps.js';
import { handleReplicaTermination, handleTermination, type FlowResult } from './termination.js';

export interface SignalHandling {
  /** False when this signal was already recorded (a duplicate, or another SEF instance has it). */
  readonly handled: boolean;
  readonly event: InterruptionEventRecord;
}

async function findAgent(ctx: FlowContext, signal: InterruptionSignal): Promise<AgentRecord> {
  let agent = signal.agentId ? await ctx.storage.agents.get(signal.agentId) : await ctx.storage.agents.findByInstance(signal.instanceId);
  if (!agent) {
    // An instance the agent has left behind (a replica promoted and later replaced) is still known by its record.
    const replica = await ctx.storage.replicas.findByInstance(signal.instanceId);
    if (replica) agent = await ctx.storage.agents.get(replica.agentId);
  }
  if (!agent) throw new NotFoundError(`No agent for instance ${signal.instanceId}${signal.agentId ? ` (agent ${signal.agentId})` : ''}`);
  return agent;
}

/**
 * Handles a signal exactly once across SEF instances: `recordSignal` is the gate (only its creator acts),
 * the agent's lease orders the work, every write carries its fencing token, and every step runs under
 * the deadline (`actionTime`, else detection + `terminationGracePeriod`). A failure or the deadline
 * records the signal as failed with an alert.
 */
export async function handleSignal(ctx: FlowContext, signal: InterruptionSignal): Promise<SignalHandling> {
  const id = signalId(signal);
  // A notice already recorded is a duplicate even when its instance is no longer the agent's.
  const seen = await ctx.storage.events.getSignal(id);
  if (seen) return { handled: false, event: seen };
  const found = await findAgent(ctx, signal);
  const detectedAt = ctx.clock.now();
  const { created, event } = await ctx.storage.events.recordSignal({
    id, agentId: found.id, instanceId: signal.instanceId, poolId: await poolOf(ctx, found, signal.instanceId), signalType: signal.type,
    detectedAt, noticeTime: signal.noticeTime, actionTime: signal.actionTime ?? null, responseTimeMs: null, success: null, outcome: null, steps: [],
  });
  if (!created) return { handled: false, event };

  const deadline = signal.actionTime ?? detectedAt + ctx.config.terminationGracePeriod * 1000;
  const { signal: abort, cancel } = deadlineSignal(ctx.clock, deadline, `${signal.type} ${id}`);
  const log = createStepLog(ctx.clock, abort);

  const finish = async (result: FlowResult, failure: unknown, token: number | undefined): Promise<InterruptionEventRecord> => {
    const end = failure === undefined ? (result.servedAt ?? ctx.clock.now()) : ctx.clock.now();
    const completed = await ctx.storage.events.completeSignal(
      id,
      { responseTimeMs: Math.max(0, end - detectedAt), success: result.success, outcome: result.outcome, steps: log.steps },
      token === undefined ? {} : { fencingToken: token },
    );
    const kind = signal.type === 'termination-notice' ? 'termination' : 'rebalance';
    await ctx.storage.events.appendSystemEvent({ eventType: `${kind}.${result.outcome}`, agentId: found.id, createdAt: ctx.clock.now(), payload: { signalId: id } });
    if (signal.type === 'termination-notice') {
      if (failure === undefined) ctx.emit('failover.completed', { event: completed, steps: log.steps });
      else {
        ctx.emit('failover.failed', { event: completed, steps: log.steps, error: errorText(failure) });
        await raiseAlert(ctx, 'failed_failover', `Failover of agent ${found.id} failed: ${errorText(failure)}`, found.id, { signalId: id });
      }
    } else if (failure !== undefined) {
      ctx.emit('error', { error: failure, context: `rebalance ${id}` });
    }
    return completed;
  };

  const flow = async (token: number): Promise<FlowResult> => {
    const agent = (await ctx.storage.agents.get(found.id)) ?? found;
    if (agent.primaryInstanceId === signal.instanceId) {
      return signal.type === 'termination-notice' ? handleTermination(ctx, agent, id, token, log) : handleRebalance(ctx, agent, id, token, log);
    }
    const replica = await activeReplica(ctx, agent.id);
    if (replica && replica.instanceId === signal.instanceId) {
      if (signal.type === 'termination-notice') return handleReplicaTermination(ctx, agent, replica, id, token, log);
      log.note('decide', 'rebalance recommendation for the replica: monitor');
      return { outcome: 'monitor_replica', success: true };
    }
    log.note('decide', `instance ${signal.instanceId} is no longer the agent's primary or replica`);
    return { outcome: 'stale_instance', success: true };
  };

  const failed: FlowResult = { outcome: 'failed', success: false };
  try {
    // The outcome is written while the lease is still held, so its fencing token is still the newest.
    const completed = await withAgentLease(ctx, found.id, deadline, abort, async (lease) => {
      let result: FlowResult;
      let failure: unknown;
      try {
        result = await flow(lease.token);
      } catch (error) {
        failure = error;
        result = failed;
      }
      cancel();
      return finish(result, failure, lease.token);
    });
    return { handled: true, event: completed };
  } catch (error) {
    cancel();
    // No lease before the deadline: nothing was done; the notice is recorded as failed.
    if ((await ctx.storage.events.getSignal(id))?.success !== null) throw error;
    return { handled: true, event: await finish(failed, error, undefined) };
  }
}

/** The pool the signalled instance runs in: the history factor counts interruptions per pool. */
async function poolOf(ctx: FlowContext, agent: AgentRecord, instanceId: string): Promise<string> {
  if (agent.primaryInstanceId === instanceId) return agent.poolId;
  return (await ctx.storage.replicas.findByInstance(instanceId))?.poolId ?? agent.poolId;
}
