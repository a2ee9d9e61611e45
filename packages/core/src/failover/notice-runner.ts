import { ConflictError, NotFoundError } from '../errors/index.js';
import type { AgentRecord, InterruptionEventRecord, ReplicaRecord, StepRecord } from '../ports/types.js';
import { raiseAlert, requireAgent, tryAgentLease, withAgentLease, type FlowContext } from './context.js';
import { deadlineSignal } from './deadline.js';
import { handleRebalance } from './rebalance.js';
import { createStepLog, errorText, type StepLog } from './steps.js';
import { abandonEmergency, handleReplicaTermination, handleTermination, terminationPath, type FlowResult, type TerminationPath } from './termination.js';

/** What a notice is about, decided once at its first run and kept in its record (step `decide_path`). */
type NoticePath = TerminationPath | { readonly path: 'rebalance' } | { readonly path: 'replica_termination'; readonly replicaId: string } | { readonly path: 'monitor_replica' } | { readonly path: 'stale_instance' };

/** The agent and its replicas as the decision read them (both at once), kept for the steps that follow. */
interface AgentState {
  readonly agent: AgentRecord;
  readonly replicas: readonly ReplicaRecord[];
}

async function readAgentState(ctx: FlowContext, agentId: string): Promise<AgentState> {
  const [agent, replicas] = await Promise.all([requireAgent(ctx, agentId), ctx.storage.replicas.listByAgent(agentId)]);
  return { agent, replicas };
}

function decidePath(ctx: FlowContext, notice: InterruptionEventRecord, { agent, replicas }: AgentState): NoticePath {
  if (agent.primaryInstanceId === notice.instanceId) return notice.signalType === 'termination-notice' ? terminationPath(ctx, replicas, notice.deadline) : { path: 'rebalance' };
  const replica = replicas.find((r) => r.instanceId === notice.instanceId && ['launching', 'syncing', 'ready'].includes(r.status));
  if (replica) return notice.signalType === 'termination-notice' ? { path: 'replica_termination', replicaId: replica.id } : { path: 'monitor_replica' };
  return { path: 'stale_instance' };
}

const pathText = (p: NoticePath): string =>
  p.path === 'promote' ? `promote ${p.replicaId}` : p.path === 'sync_into_replica' ? `restore into syncing ${p.replicaId}` : p.path === 'emergency' ? `emergency: ${p.reason}` : p.path;

/** The response to a notice along its path; throws when a step fails (the caller retries). */
async function respond(ctx: FlowContext, notice: InterruptionEventRecord, token: number, log: StepLog): Promise<FlowResult> {
  // What the decision read is still current for the steps that follow it in this run (they run under the
  // lease); a run resuming after the decision reads it again.
  let read: AgentState | undefined;
  const path = await log.run('decide_path', async () => decidePath(ctx, notice, (read = await readAgentState(ctx, notice.agentId))), pathText, { readOnly: true });
  const agent = read?.agent ?? (await requireAgent(ctx, notice.agentId));
  switch (path.path) {
    case 'promote':
    case 'sync_into_replica':
    case 'emergency':
      return handleTermination(ctx, { ...agent, primaryInstanceId: notice.instanceId }, path, notice.id, token, log, read);
    case 'rebalance':
      return handleRebalance(ctx, agent, notice.id, token, log);
    case 'replica_termination':
      return handleReplicaTermination(ctx, agent, path.replicaId, notice.id, token, log);
    case 'monitor_replica':
      log.note('decide', 'rebalance recommendation for the replica: monitor');
      return { outcome: 'monitor_replica', success: true };
    case 'stale_instance':
      log.note('decide', `instance ${notice.instanceId} is no longer the agent's primary or replica`);
      return { outcome: 'stale_instance', success: true };
  }
}

/** Completes the notice with its outcome (fenced when a token is given) and tells about it. */
async function finish(ctx: FlowContext, notice: InterruptionEventRecord, result: FlowResult, failure: unknown, steps: readonly StepRecord[], token: number | undefined): Promise<InterruptionEventRecord> {
  const end = failure === undefined ? (result.servedAt ?? ctx.clock.now()) : ctx.clock.now();
  let completed: InterruptionEventRecord;
  try {
    completed = await ctx.storage.events.completeSignal(
      notice.id,
      { responseTimeMs: Math.max(0, end - notice.detectedAt), success: result.success, outcome: result.outcome, steps },
      token === undefined ? {} : { fencingToken: token },
    );
  } catch (error) {
    // Another process ended it first: its outcome stands and it has told about it.
    const stored = await ctx.storage.events.getSignal(notice.id);
    if (error instanceof ConflictError && stored) return stored;
    throw error;
  }
  const kind = notice.signalType === 'termination-notice' ? 'termination' : 'rebalance';
  await ctx.storage.events.appendSystemEvent({ eventType: `${kind}.${result.outcome}`, agentId: notice.agentId, createdAt: ctx.clock.now(), payload: { signalId: notice.id } });
  if (notice.signalType === 'termination-notice') {
    if (failure === undefined) ctx.emit('failover.completed', { event: completed, steps });
    else {
      ctx.emit('failover.failed', { event: completed, steps, error: errorText(failure) });
      await raiseAlert(ctx, 'failed_failover', `Failover of agent ${notice.agentId} failed: ${errorText(failure)}`, notice.agentId, { signalId: notice.id });
    }
  } else if (failure !== undefined) {
    ctx.emit('error', { error: failure, context: `rebalance ${notice.id}` });
  }
  return completed;
}

/**
 * The notice as it stands once this holder's token is registered (one fenced read): whatever an older
 * holder wrote is in it, and nothing an older holder writes from now on is accepted.
 */
const claimNotice = (ctx: FlowContext, id: string) => async (token: number): Promise<InterruptionEventRecord> => {
  const notice = await ctx.storage.events.getSignal(id, { fencingToken: token });
  if (!notice) throw new NotFoundError(`Notice ${id} not found`);
  return notice;
};

/** One run of an open notice under the agent's lease: resumes from its recorded steps, completes it. */
async function attempt(ctx: FlowContext, notice: InterruptionEventRecord, token: number, signal: AbortSignal): Promise<InterruptionEventRecord> {
  const { id } = notice;
  if (notice.success !== null) return notice;
  const log = createStepLog(ctx.clock, signal, {
    resumeFrom: notice.steps,
    fenced: true,
    save: async (steps) => {
      await ctx.storage.events.saveSteps(id, steps, { fencingToken: token });
      ctx.emit('notice.progress', { noticeId: id, agentId: notice.agentId, deadline: notice.deadline, steps });
    },
  });
  const result = await respond(ctx, notice, token, log);
  return finish(ctx, notice, result, undefined, log.steps, token);
}

/** Wait before the next attempt after a failed one (ms): 250, 500, 1000, ... at most 5000. */
const backoffMs = (attempt: number) => Math.min(5_000, 250 * 2 ** attempt);

/**
 * At the deadline: completes the notice as failed with the last failure as its reason and an alert, and
 * ends its unfinished emergency relaunch. Under the agent's lease when it is free; when the lease manager
 * itself is down, without a token (nothing else can act for the notice any more). Left open when another
 * process holds the lease: that process ends it, or the resumption sweep does once the lease is free.
 */
async function giveUp(ctx: FlowContext, id: string, failure: unknown): Promise<InterruptionEventRecord | undefined> {
  const notice = await ctx.storage.events.getSignal(id);
  if (!notice || notice.success !== null) return notice;
  const reason = failure ?? new Error(`deadline ${new Date(notice.deadline).toISOString()} passed`);
  const failed: FlowResult = { outcome: 'failed', success: false };
  const end = (token: number | undefined) => {
    const steps = notice.steps.map((s) => (s.ok === null ? { ...s, finishedAt: ctx.clock.now(), ok: false, detail: errorText(reason) } : s));
    // The cleanup must not hold the failure's record past the deadline.
    ctx.background(`cleanup of notice ${id}`, () => abandonEmergency(ctx, id, token));
    return finish(ctx, notice, failed, reason, steps, token);
  };
  const never = new AbortController().signal;
  let held: { value: InterruptionEventRecord } | undefined;
  try {
    held = await tryAgentLease(ctx, notice.agentId, never, (lease) => end(lease.token));
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && (error.code === 'UNAVAILABLE' || error.code === 'STORAGE'))) throw error;
    return end(undefined);
  }
  return held?.value;
}

export interface RunNoticeOptions {
  /** Only when the agent's lease is free now (resuming a notice whose process went away). @default false */
  readonly ifFree?: boolean;
  /** The notice as just recorded (its agent and deadline; saves a read before the lease). @default undefined */
  readonly recorded?: InterruptionEventRecord;
}

/**
 * Runs an open notice to its end, or resumes one: takes the agent's lease (renewed while it works),
 * re-reads the notice (another process may have ended it), continues from its last finished step and
 * completes it. A failure (a dependency down, a step refused) is retried with backoff until the notice's
 * deadline; then the notice is completed as failed with its reason and an alert. Resolves with the stored
 * notice; undefined when `ifFree` and another process holds the lease.
 */
export async function runNotice(ctx: FlowContext, id: string, options: RunNoticeOptions = {}): Promise<InterruptionEventRecord | undefined> {
  const first = options.recorded?.id === id ? options.recorded : await ctx.storage.events.getSignal(id);
  if (!first) throw new NotFoundError(`Notice ${id} not found`);
  if (first.success !== null) return first;
  const { signal: deadline, cancel } = deadlineSignal(ctx.clock, first.deadline, `${first.signalType} ${id}`);
  let failure: unknown;
  try {
    for (let n = 0; !deadline.aborted; n++) {
      try {
        if (n === 0 && options.ifFree) {
          const held = await tryAgentLease(ctx, first.agentId, deadline, (lease, signal, notice) => attempt(ctx, notice, lease.token, signal), claimNotice(ctx, id));
          if (!held) return undefined;
          return held.value;
        }
        return await withAgentLease(ctx, first.agentId, deadline, (lease, signal, notice) => attempt(ctx, notice, lease.token, signal), claimNotice(ctx, id));
      } catch (error) {
        failure = error;
        if (deadline.aborted) break;
        const wait = backoffMs(n);
        ctx.emit('notice.retry', { noticeId: id, agentId: first.agentId, attempt: n + 1, error, retryAt: ctx.clock.now() + wait, deadline: first.deadline });
        await ctx.clock.sleep(wait, deadline).catch(() => undefined);
      }
    }
  } finally {
    cancel();
  }
  return giveUp(ctx, id, failure);
}
