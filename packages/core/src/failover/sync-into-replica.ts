import type { ExpectedLatencies } from '../ports/compute-provider.js';
import type { AgentRecord, ReplicaRecord } from '../ports/types.js';
import { activeStatuses, patchAgent, type FlowContext } from './context.js';
import { stepToken } from './ids.js';
import type { StepLog } from './steps.js';
import { terminateWithRetry } from './terminate-retry.js';

/**
 * Whether an emergency recovery into a syncing replica (snapshot, restore into it, reroute) is expected
 * to end by `deadline`, by the provider's expected latencies. A relaunch is planned no differently: this
 * only decides which of the two is tried.
 */
export function syncIntoReplicaFits(latencies: ExpectedLatencies, now: number, deadline: number): { fits: boolean; expectedMs: number } {
  const expectedMs = latencies.snapshot + latencies.restoreInto + latencies.route;
  return { fits: now + expectedMs <= deadline, expectedMs };
}

/**
 * Snapshot of the primary under the notice's token, shared by both emergency paths (a resumed run reuses
 * the recorded result). No snapshots on the provider: the new instance starts from the agent's image.
 */
export async function snapshotPrimary(ctx: FlowContext, instanceId: string, causeId: string, log: StepLog): Promise<readonly string[]> {
  if (!ctx.compute.capabilities.snapshots) {
    log.note('snapshot', 'provider has no snapshots: relaunch from the image', true);
    return [];
  }
  const taken = await log.run('snapshot', (s) => ctx.compute.snapshot(instanceId, { signal: s, idempotencyToken: stepToken(causeId, 'snapshot') }), (x) => x.snapshotIds.join(','));
  return taken.snapshotIds;
}

/**
 * The syncing replica as the emergency target: the primary's snapshot restored into it (idempotent per
 * notice), so that no instance is launched; the caller reroutes and promotes it.
 */
export async function restoreIntoReplica(ctx: FlowContext, agent: AgentRecord, instanceId: string, causeId: string, log: StepLog): Promise<void> {
  const snapshotIds = await snapshotPrimary(ctx, agent.primaryInstanceId, causeId, log);
  await log.run(
    'restore_into_replica',
    (s) => ctx.compute.restoreInto(instanceId, snapshotIds, { signal: s, idempotencyToken: stepToken(causeId, 'restore_into') }),
    () => `${snapshotIds.length} snapshot(s) into ${instanceId}`,
  );
}

/**
 * Ends a standby that an emergency relaunch left behind (it was syncing from the primary that is gone, so
 * it can never be ready): recorded as terminated first, then its instance terminated with retries. An
 * instance that will not go is left to the reconciliation sweep (its record has ended) and reported.
 */
export async function retireLeftBehind(ctx: FlowContext, agentId: string, replicaId: string, token: number, log: StepLog): Promise<void> {
  const ended = await log.run(
    'retire_replica',
    async (): Promise<ReplicaRecord | null> => {
      const r = await ctx.storage.replicas.get(replicaId);
      if (!r || !activeStatuses.includes(r.status)) return null;
      const done = await ctx.storage.replicas.transition(r.id, activeStatuses, 'terminated', { endedAt: ctx.clock.now() }, { fencingToken: token });
      await patchAgent(ctx, agentId, token, (a) => (r.instanceId !== null && a.replicaInstanceId === r.instanceId ? { replicaInstanceId: null } : {}));
      ctx.emit('replica.terminated', { replica: done, reason: 'left_behind_by_emergency' });
      return done;
    },
    (r) => (r ? `${r.id} (${r.instanceId ?? 'no instance'})` : `${replicaId} had already ended`),
  );
  if (!ended?.instanceId) return;
  const { error } = await terminateWithRetry(ctx, ended.instanceId, stepToken(ended.causeId, 'terminate'), log.signal);
  if (error !== undefined) ctx.emit('error', { error, context: `terminate of replica ${ended.id} left behind (left to the reconciliation sweep)` });
}
