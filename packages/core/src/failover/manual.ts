import { ConflictError } from '../errors/index.js';
import type { ReplicaRecord } from '../ports/types.js';
import { applyModeChange, type ModeChange } from '../modes/mode-rules.js';
import { updateModes } from '../modes/set-modes.js';
import { activeReplica, activeStandbys, requireAgent, withAgentLease, type FlowContext } from './context.js';
import { timeoutSignal } from './deadline.js';
import { stepToken, switchCauseId } from './ids.js';
import { ensureReplica, retireReplica } from './launch-replica.js';
import { createStepLog, errorText, type StepLog } from './steps.js';
import { promoteReplica, reroute } from './termination.js';

/** The record of a manual action: its steps and the replicas it touched. */
export interface ManualResult {
  readonly agentId: string;
  readonly action: string;
  readonly steps: StepLog['steps'];
  readonly replica?: ReplicaRecord | undefined;
  readonly promoted?: ReplicaRecord | undefined;
}

/** Runs a manual action under the agent's lease and a deadline of `terminationGracePeriod`. */
async function underLease<T>(ctx: FlowContext, agentId: string, fn: (token: number, log: StepLog) => Promise<T>): Promise<{ value: T; log: StepLog }> {
  const ms = ctx.config.terminationGracePeriod * 1000;
  const { signal, cancel } = timeoutSignal(ctx.clock, ms);
  const log = createStepLog(ctx.clock, signal);
  try {
    const value = await withAgentLease(ctx, agentId, signal, (lease) => fn(lease.token, log));
    return { value, log };
  } finally {
    cancel();
  }
}

/**
 * Changes the mode flags (compare-and-set, with the spec's exclusion) and follows up: manual on starts a
 * standby, manual off terminates every standby of the agent (an auto one that manual mode took over too).
 */
export async function setModes(ctx: FlowContext, agentId: string, change: ModeChange): Promise<ManualResult> {
  const before = await requireAgent(ctx, agentId);
  const update = await updateModes(ctx.storage.agents, agentId, change);
  if (update.changed) ctx.emit('mode.changed', { agentId, modes: update.agent.modes, previous: update.previous });
  const next = applyModeChange(before.modes, change);
  const causeId = `manual:${agentId}:${update.agent.version}`;
  if (next.manualReplica && change.manualReplica === true) {
    const { value, log } = await underLease(ctx, agentId, async (token, log) => {
      const agent = await requireAgent(ctx, agentId);
      // Manual mode may have been turned off again while we waited for the lease.
      if (!agent.modes.manualReplica) return undefined;
      return ensureReplica(ctx, agent, 'manual', causeId, token, log);
    });
    return { agentId, action: 'manual_enabled', steps: log.steps, replica: value };
  }
  if (change.manualReplica === false && update.previous.manualReplica) {
    const { log } = await underLease(ctx, agentId, async (token, log) => {
      const agent = await requireAgent(ctx, agentId);
      if (agent.modes.manualReplica) return;
      // Every standby goes, an auto one that manual mode took over included: no mode wants one now.
      for (const replica of await activeStandbys(ctx, agentId)) await retireReplica(ctx, replica, 'manual_disabled', token, log);
    });
    return { agentId, action: 'manual_disabled', steps: log.steps };
  }
  return { agentId, action: 'modes_changed', steps: [] };
}

/**
 * The manual switch: the replica must be `ready`; reroute to it, promote it, terminate the old primary and
 * start the next replica at once. Throws `ConflictError` when manual mode is off or the replica not ready.
 * Nothing forces a manual switch, so the traffic moves first: when the reroute fails, the old primary
 * still serves and stays the primary, and the replica stays the ready standby.
 * Every switch that began is recorded as a `manual.switch` event (`from`, `to`, `success`, `responseTimeMs`
 * up to the old primary's termination or the failure, `error` when it failed); a refused one is not.
 */
export async function manualSwitch(ctx: FlowContext, agentId: string): Promise<ManualResult> {
  const started = ctx.clock.now();
  let begun: { from: string; to: string } | undefined;
  let recorded = false;
  const record = (payload: Record<string, unknown>) =>
    ctx.storage.events.appendSystemEvent({ eventType: 'manual.switch', agentId, createdAt: ctx.clock.now(), payload: { ...begun, responseTimeMs: ctx.clock.now() - started, ...payload } });
  try {
    const { value, log } = await underLease(ctx, agentId, async (token, log) => {
      const agent = await requireAgent(ctx, agentId);
      if (!agent.modes.manualReplica) throw new ConflictError('Manual mode is not active');
      const replica = await activeReplica(ctx, agentId);
      if (!replica || replica.status !== 'ready' || !replica.instanceId) {
        throw new ConflictError(replica ? `Replica is not ready (status ${replica.status})` : 'No replica to switch to');
      }
      const causeId = switchCauseId(agentId, replica.instanceId);
      const old = agent.primaryInstanceId;
      begun = { from: old, to: replica.instanceId };
      await reroute(ctx, log, agentId, replica.instanceId, causeId, token);
      const promotedAgent = await promoteReplica(ctx, agent, replica, token, log);
      await log.run('terminate_old_primary', (s) => ctx.compute.terminate(old, { signal: s, idempotencyToken: stepToken(causeId, 'terminate-old') }));
      await record({ success: true });
      recorded = true;
      const next = await ensureReplica(ctx, promotedAgent, 'manual', `${causeId}:next`, token, log);
      return { promoted: (await ctx.storage.replicas.get(replica.id)) ?? replica, next };
    });
    return { agentId, action: 'manual_switch', steps: log.steps, promoted: value.promoted, replica: value.next };
  } catch (error) {
    // The record of a failed switch is best effort: the caller gets the switch's own error either way.
    if (begun !== undefined && !recorded) await record({ success: false, error: errorText(error) }).catch(() => undefined);
    throw error;
  }
}
