import type { Alert } from '../events/event-map.js';
import { acquireAgentLease, activeReplica, housekeepingLeaseMs, housekeepingLimitMs, raiseAlert, type FlowContext } from './context.js';
import { timeoutSignal, withTimeout } from './deadline.js';
import type { ReplicaRecord } from '../ports/types.js';
import { ensureReplica, failReplica, retireReplica } from './launch-replica.js';
import { createStepLog } from './steps.js';

export interface SweepResult {
  /** Auto replicas terminated because no termination notice followed in time (`terminated_unused`). */
  readonly terminatedUnused: number;
  /** Manual standbys of agents whose manual mode is off (turning it off failed to terminate them): terminated again. */
  readonly terminatedManualOff: number;
  /** Standbys started for agents in manual mode that had none (after a failed launch). */
  readonly replicasStarted: number;
  readonly alerts: readonly Alert[];
}

/** A replica still `launching` after this long is checked with the provider (ms). */
const stuckAfterMs = 900_000;

/**
 * Settles a replica stuck in `launching`. One with an instance is asked of the provider (bounded: a hung
 * provider is asked again at the next sweep). One without was never recorded launched: its launching run
 * died between the record and the launch's answer, and no run resumes it this late (every flow's deadline
 * is shorter), so it fails; an instance the launch did start is the reconciliation sweep's `no_record`.
 */
async function recoverStuck(ctx: FlowContext, replica: ReplicaRecord): Promise<void> {
  if (replica.instanceId === null) return failReplica(ctx, replica, undefined);
  const id = replica.instanceId;
  const info = await withTimeout(ctx.clock, housekeepingLimitMs(ctx), (signal) => ctx.compute.describe(id, { signal }));
  if (info?.state === 'running') await ctx.storage.replicas.transition(replica.id, ['launching'], 'syncing');
  else if (!info || info.state === 'terminated' || info.state === 'shutting-down') await failReplica(ctx, replica, undefined);
}

/** Window of the replica ready-time alert (the spec's 7-day monitoring query). */
const statsWindowMs = 7 * 86_400_000;

/**
 * Housekeeping: terminate unused auto replicas (auto-terminate on), finish turning manual mode off (its
 * standby's terminate failed: a hung or refusing provider), restore a manual standby, settle
 * replicas stuck in `launching` (their watcher went away), and raise the slow-replica alert. Agents whose
 * lease is busy are left for the next sweep.
 */
export async function sweep(ctx: FlowContext): Promise<SweepResult> {
  let terminatedUnused = 0;
  let terminatedManualOff = 0;
  let replicasStarted = 0;
  const now = ctx.clock.now();
  // One read of every active replica rather than one per agent; each agent's standby is its newest
  // non-emergency one (what `activeReplica` answers).
  const standbys = new Map<string, ReplicaRecord>();
  for (const r of await ctx.storage.replicas.listActive()) if (r.replicaType !== 'emergency') standbys.set(r.agentId, r);
  for (const agent of await ctx.storage.agents.list()) {
    const replica = standbys.get(agent.id);
    const unused = replica?.replicaType === 'auto' && agent.modes.autoTerminate && now - replica.createdAt >= ctx.config.unusedReplicaTimeout * 1000;
    const missing = !replica && agent.modes.manualReplica;
    const manualOff = replica?.replicaType === 'manual' && !agent.modes.manualReplica;
    // A replica whose boot was being watched by a process that went away stays `launching`: ask the provider.
    const stuck = replica?.status === 'launching' && now - replica.createdAt >= stuckAfterMs;
    if (stuck && replica) {
      await recoverStuck(ctx, replica).catch((error: unknown) => ctx.emit('error', { error, context: `sweep of replica ${replica.id}` }));
      continue;
    }
    if (!unused && !missing && !manualOff) continue;
    const lease = await acquireAgentLease(ctx, agent.id, housekeepingLeaseMs(ctx));
    if (!lease) continue;
    const { signal, cancel } = timeoutSignal(ctx.clock, housekeepingLimitMs(ctx));
    try {
      const log = createStepLog(ctx.clock, signal);
      const fresh = await activeReplica(ctx, agent.id);
      const current = (await ctx.storage.agents.get(agent.id)) ?? agent;
      if (unused && fresh?.id === replica?.id && fresh) {
        await retireReplica(ctx, fresh, 'terminated_unused', lease.token, log);
        terminatedUnused++;
      } else if (manualOff && fresh?.id === replica?.id && fresh && !current.modes.manualReplica) {
        await retireReplica(ctx, fresh, 'manual_disabled', lease.token, log);
        terminatedManualOff++;
      } else if (missing && !fresh && current.modes.manualReplica) {
        if (await ensureReplica(ctx, current, 'manual', `sweep:${agent.id}:${now}`, lease.token, log)) replicasStarted++;
      }
    } catch (error) {
      ctx.emit('error', { error, context: `sweep of agent ${agent.id}` });
    } finally {
      cancel();
      await ctx.leases.release(lease);
    }
  }
  const alerts: Alert[] = [];
  for (const s of await ctx.storage.replicas.stats(now - statsWindowMs)) {
    if (s.avgReadyTimeSec !== null && s.avgReadyTimeSec > ctx.config.replicaReadyTimeAlert) {
      alerts.push(
        await raiseAlert(ctx, 'slow_replica_creation', `Average ${s.replicaType} replica ready time ${s.avgReadyTimeSec.toFixed(0)} s exceeds ${ctx.config.replicaReadyTimeAlert} s`, undefined, {
          replicaType: s.replicaType,
          avgReadyTimeSec: s.avgReadyTimeSec,
        }),
      );
    }
  }
  return { terminatedUnused, terminatedManualOff, replicasStarted, alerts };
}
