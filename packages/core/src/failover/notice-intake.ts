import { ConflictError, NotFoundError, ValidationError } from '../errors/index.js';
import type { AgentRecord, InterruptionEventRecord, InterruptionSignal, NoticeRole } from '../ports/types.js';
import { activeReplica, type FlowContext } from './context.js';
import { noticeId } from './ids.js';

/** What receiving a notice did: recorded it (new), or found it recorded already (a duplicate). */
export interface NoticeReceipt {
  /** False when the notice was already recorded: a repeat, from any source, at any SEF instance. */
  readonly created: boolean;
  /** The notice as stored (for a duplicate: the first receipt's record, with its progress so far). */
  readonly notice: InterruptionEventRecord;
}

/** What the caller of `recordNotice` already holds. */
export interface RecordNoticeOptions {
  /**
   * The agent's record as the caller has just read it (the server's authentication reads it to check the
   * token): used instead of reading it again when its id is the signal's `agentId`. @default undefined
   */
  readonly agent?: AgentRecord;
}

async function agentOf(ctx: FlowContext, signal: InterruptionSignal, known: AgentRecord | undefined): Promise<AgentRecord> {
  if (signal.agentId !== undefined) {
    if (known?.id === signal.agentId) return known;
    const agent = await ctx.storage.agents.get(signal.agentId);
    if (!agent) throw new NotFoundError(`Agent ${signal.agentId} not found`);
    return agent;
  }
  const instanceId = signal.instanceId;
  if (instanceId === undefined) {
    throw new ValidationError('Invalid notice', [{ path: 'instanceId', code: 'required', message: 'a notice names its agent or its instance' }]);
  }
  let agent = await ctx.storage.agents.findByInstance(instanceId);
  if (!agent) {
    // An instance the agent has left behind (a replica promoted and later replaced) is still known by its record.
    const replica = await ctx.storage.replicas.findByInstance(instanceId);
    if (replica) agent = await ctx.storage.agents.get(replica.agentId);
  }
  if (!agent) {
    // A former primary: its earlier notices name its agent (a repeat after the failover is a duplicate).
    const [earlier] = await ctx.storage.events.listSignals({ since: 0, instanceId, limit: 1 });
    if (earlier) agent = await ctx.storage.agents.get(earlier.agentId);
  }
  if (!agent) throw new NotFoundError(`No agent for instance ${instanceId}`);
  return agent;
}

/** The role of `instanceId` in the agent now, with its pool; undefined when it is neither primary nor replica. */
async function roleOf(ctx: FlowContext, agent: AgentRecord, instanceId: string): Promise<{ role: NoticeRole; poolId: string } | undefined> {
  if (agent.primaryInstanceId === instanceId) return { role: 'primary', poolId: agent.poolId };
  const replica = await activeReplica(ctx, agent.id);
  if (replica?.instanceId === instanceId) return { role: 'replica', poolId: replica.poolId };
  return undefined;
}

/**
 * Records a notice once, under its identity (agent, instance, type, the cloud's notice time), and returns
 * at once: nothing is done for it here (see `runNotice`). A notice without `instanceId` concerns the
 * agent's primary at its first receipt; the store's pin makes every later copy a duplicate, also after the
 * failover made another instance primary. A new notice must name the agent's primary or current replica
 * (`ConflictError` otherwise), so that no agent can touch another's failover.
 *
 * For a notice about the agent's primary (the usual one) this is one write: the store's insert-if-absent
 * answers a duplicate too. Only a notice naming another instance is looked up first.
 */
export async function recordNotice(ctx: FlowContext, signal: InterruptionSignal, options: RecordNoticeOptions = {}): Promise<NoticeReceipt> {
  const agent = await agentOf(ctx, signal, options.agent);
  const instanceId = signal.instanceId ?? agent.primaryInstanceId;
  const id = noticeId(agent.id, instanceId, signal.type, signal.noticeTime);
  const concerns = await roleOf(ctx, agent, instanceId);
  if (!concerns) {
    // A notice already recorded is a duplicate even when its instance is no longer the agent's.
    const seen = await ctx.storage.events.getSignal(id);
    if (seen) return { created: false, notice: seen };
    throw new ConflictError(`Instance ${instanceId} is neither the primary nor the replica of agent ${agent.id}: a notice must name one of the agent's own instances`);
  }
  const { role, poolId } = concerns;
  const detectedAt = ctx.clock.now();
  const { created, event } = await ctx.storage.events.recordSignal({
    id, agentId: agent.id, instanceId, poolId, signalType: signal.type, instanceRole: role,
    detectedAt, noticeTime: signal.noticeTime, actionTime: signal.actionTime ?? null,
    deadline: signal.actionTime ?? detectedAt + ctx.config.terminationGracePeriod * 1000,
    responseTimeMs: null, success: null, outcome: null, steps: [],
  });
  return { created, notice: event };
}
