import type { OrphanDecision, OrphanReason } from '../events/event-map.js';
import type { LaunchedInstance } from '../ports/compute-provider.js';
import type { AgentRecord, InterruptionEventRecord, ReplicaRecord } from '../ports/types.js';
import { activeReplica, activeStatuses, housekeepingLeaseMs, housekeepingLimitMs, patchAgent, type FlowContext } from './context.js';
import { stepToken } from './ids.js';
import { errorText } from './steps.js';
import { isRetryable, terminateWithRetry } from './terminate-retry.js';
import { timeoutSignal, withTimeout } from './deadline.js';

export interface ReconcileResult {
  /** Instances SEF launched that the provider listed as not terminated. */
  readonly listed: number;
  /** One decision per orphan found (terminated, not after every retry, or spared for its open notice). */
  readonly decisions: readonly OrphanDecision[];
}

interface Orphan {
  readonly reason: OrphanReason;
  readonly record: ReplicaRecord | undefined;
}

/** Terminates an orphan with retries, for at most {@link housekeepingLimitMs}: a hung terminate is a `terminate_failed` decision. */
async function terminateOrphan(ctx: FlowContext, instanceId: string, token: string): Promise<{ attempts: number; error?: unknown }> {
  const { signal, cancel } = timeoutSignal(ctx.clock, housekeepingLimitMs(ctx));
  try {
    return await terminateWithRetry(ctx, instanceId, token, signal);
  } finally {
    cancel();
  }
}

/** Lists the provider's inventory, trying again on retryable refusals (the sweep runs again anyway). */
async function listInventory(ctx: FlowContext): Promise<LaunchedInstance[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await withTimeout(ctx.clock, housekeepingLimitMs(ctx), (signal) => ctx.compute.listLaunched({ signal }));
    } catch (error) {
      if (attempt >= 3 || !isRetryable(error)) throw error;
      await ctx.clock.sleep(1_000 * attempt);
    }
  }
}

/**
 * Whether stored state accounts for an instance SEF launched, and if not, why it is an orphan. `settled`
 * is the time before which a record must have ended for its still-running instance to count as leaked.
 */
async function classify(ctx: FlowContext, instance: LaunchedInstance, settled: number): Promise<Orphan | undefined> {
  const agent = await ctx.storage.agents.get(instance.agentId);
  if (!agent) return { reason: 'unknown_agent', record: undefined };
  if (agent.primaryInstanceId === instance.instanceId) return undefined;
  const record = await ctx.storage.replicas.findByInstance(instance.instanceId);
  if (!record || record.agentId !== agent.id) {
    // A former primary SEF never recorded launching runs out its notice too, like a promoted one below.
    const [notice] = await ctx.storage.events.listSignals({ since: 0, instanceId: instance.instanceId, limit: 1 });
    if (notice?.agentId === agent.id && notice.signalType === 'termination-notice' && notice.deadline > settled) return undefined;
    return { reason: 'no_record', record: undefined };
  }
  if (!activeStatuses.includes(record.status)) {
    const endedAt = record.status === 'promoted' ? await replacedAt(ctx, agent, record) : (record.endedAt ?? record.createdAt);
    // An old primary under a notice runs out its notice (its reports still count), then the cloud ends it.
    return endedAt <= settled ? { reason: 'ended', record } : undefined;
  }
  const standby = await activeReplica(ctx, agent.id);
  if (standby?.id !== record.id) return record.createdAt <= settled ? { reason: 'superseded', record } : undefined;
  if (!agent.modes.manualReplica && !agent.modes.autoSwitch) return { reason: 'mode_disabled', record };
  return undefined;
}

/**
 * A quick check, from one read of the agents and one of the active replicas, that an instance is an agent's
 * primary or its current standby with a mode on: what `classify` finds for almost every listed instance,
 * without reading the agent and its replicas again for each. Anything else goes to `classify`. The reads
 * are taken with the inventory, itself a moment's view: a change during the pass is seen by the next sweep.
 */
async function accountedFor(ctx: FlowContext): Promise<(instance: LaunchedInstance) => boolean | Promise<boolean>> {
  const agents = new Map<string, AgentRecord>();
  for (const a of await ctx.storage.agents.list()) agents.set(a.id, a);
  // Oldest first: each agent's last one is its current standby (what `activeReplica` answers).
  const standbys = new Map<string, ReplicaRecord>();
  for (const r of await ctx.storage.replicas.listActive()) if (r.replicaType !== 'emergency') standbys.set(r.agentId, r);
  // Synchronous when the answer needs no read (most calls): no promise per listed instance.
  return (instance) => {
    const agent = agents.get(instance.agentId);
    if (!agent) return false;
    if (agent.primaryInstanceId === instance.instanceId) return true;
    const standby = standbys.get(agent.id);
    if (standby?.instanceId !== instance.instanceId || (!agent.modes.manualReplica && !agent.modes.autoSwitch)) return false;
    // `classify` goes by the instance's first record: the standby's unless an older record had the instance.
    return ctx.storage.replicas.findByInstance(instance.instanceId).then((first) => first?.id === standby.id);
  };
}

/** When a promoted instance stopped being the primary: at the latest, when the current primary was promoted. */
async function replacedAt(ctx: FlowContext, agent: AgentRecord, record: ReplicaRecord): Promise<number> {
  const current = await ctx.storage.replicas.findByInstance(agent.primaryInstanceId);
  return Math.max(record.endedAt ?? record.createdAt, current?.endedAt ?? current?.createdAt ?? 0);
}

/**
 * The open notice, within its deadline, an instance was launched for: its cause is the notice's id or one
 * derived from it (`<notice>:next`, ...). Its run, resumed by another process, launches with the same token
 * and gets this very instance back, so the instance is that run's until the notice ends.
 */
function launchingNotice(instance: LaunchedInstance, open: ReadonlyMap<string, InterruptionEventRecord>, now: number): InterruptionEventRecord | undefined {
  const cause = instance.causeId;
  if (cause === undefined) return undefined;
  for (let end = cause.length; end > 0; end = cause.lastIndexOf(':', end - 1)) {
    const notice = open.get(cause.slice(0, end));
    if (notice) return notice.deadline >= now ? notice : undefined;
  }
  return undefined;
}

/**
 * Ends an orphan. A record still active is ended under the agent's lease, after deciding again with
 * fresh state; an agent whose lease is busy is left for the next sweep (undefined).
 */
async function endOrphan(ctx: FlowContext, instance: LaunchedInstance, orphan: Orphan, settled: number): Promise<OrphanDecision | undefined> {
  const token = stepToken(orphan.record?.causeId ?? `orphan:${instance.instanceId}`, 'reconcile');
  const decide = (reason: OrphanReason, record: ReplicaRecord | undefined, outcome: { attempts: number; error?: unknown }): OrphanDecision => ({
    instanceId: instance.instanceId, agentId: instance.agentId, reason, replicaId: record?.id ?? null,
    outcome: outcome.error === undefined ? 'terminated' : 'terminate_failed', attempts: outcome.attempts,
    ...(outcome.error === undefined ? {} : { error: errorText(outcome.error) }), at: ctx.clock.now(),
  });
  if (!orphan.record || !activeStatuses.includes(orphan.record.status)) {
    return decide(orphan.reason, orphan.record, await terminateOrphan(ctx, instance.instanceId, token));
  }
  const lease = await ctx.leases.acquire(`agent:${instance.agentId}`, ctx.owner, housekeepingLeaseMs(ctx));
  if (!lease) return undefined;
  try {
    const fresh = await classify(ctx, instance, settled);
    if (!fresh) return undefined;
    const outcome = await terminateOrphan(ctx, instance.instanceId, token);
    const record = fresh.record;
    if (outcome.error === undefined && record && activeStatuses.includes(record.status)) {
      const ended = await ctx.storage.replicas.transition(record.id, activeStatuses, 'terminated', { endedAt: ctx.clock.now() }, { fencingToken: lease.token });
      await patchAgent(ctx, record.agentId, lease.token, (a) => (a.replicaInstanceId === instance.instanceId ? { replicaInstanceId: null } : {}));
      ctx.emit('replica.terminated', { replica: ended, reason: `orphan_${fresh.reason}` });
    }
    return decide(fresh.reason, record, outcome);
  } finally {
    await ctx.leases.release(lease);
  }
}

/**
 * The reconciliation sweep: compares the provider's inventory of instances SEF launched with the stored
 * state and terminates every orphan (failed cleanups, standbys of disabled modes, launches whose record was
 * never written, instances of removed agents). Instances younger than `orphanMinAge` are left alone: their
 * record may still be being written. So is one launched for a notice still open and within its deadline
 * (its run may be resumed and take the instance up, see `launchingNotice`): `spared` until the notice
 * ends, then judged like any other. Each decision is emitted as `instance.orphaned` and kept as a system
 * event; an orphan whose terminate keeps failing is tried again at the next sweep.
 */
export async function reconcile(ctx: FlowContext): Promise<ReconcileResult> {
  const inventory = await listInventory(ctx);
  const now = ctx.clock.now();
  const settled = now - ctx.config.orphanMinAge * 1000;
  const decisions: OrphanDecision[] = [];
  const accounted = await accountedFor(ctx);
  // Read once, when the first orphan is found: most sweeps find none.
  let open: Promise<Map<string, InterruptionEventRecord>> | undefined;
  const openNotices = () => (open ??= ctx.storage.events.listOpenSignals().then((notices) => new Map(notices.map((n) => [n.id, n]))));
  for (const instance of inventory) {
    if (instance.state === 'terminated' || instance.state === 'shutting-down' || instance.launchedAt > settled) continue;
    try {
      const quick = accounted(instance);
      if (quick === true || (quick !== false && (await quick))) continue;
      const orphan = await classify(ctx, instance, settled);
      if (!orphan) continue;
      const notice = launchingNotice(instance, await openNotices(), now);
      const decision: OrphanDecision | undefined = notice
        ? { instanceId: instance.instanceId, agentId: instance.agentId, reason: orphan.reason, replicaId: orphan.record?.id ?? null, outcome: 'spared', attempts: 0, noticeId: notice.id, at: now }
        : await endOrphan(ctx, instance, orphan, settled);
      if (!decision) continue;
      decisions.push(decision);
      ctx.emit('instance.orphaned', decision);
      await ctx.storage.events.appendSystemEvent({ eventType: `reconcile.${decision.outcome}`, agentId: decision.agentId, createdAt: decision.at, payload: { ...decision } });
    } catch (error) {
      ctx.emit('error', { error, context: `reconciliation of instance ${instance.instanceId}` });
    }
  }
  return { listed: inventory.length, decisions };
}
