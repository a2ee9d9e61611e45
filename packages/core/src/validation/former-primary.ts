import type { Issue } from '../errors/index.js';
import type { EventStore } from '../ports/event-store.js';
import type { InterruptionEventRecord } from '../ports/types.js';

/** An instance a termination notice's failover replaced as an agent's primary. */
export interface FormerPrimary {
  /** When the cloud ends the instance (ms): the notice's action time, else its deadline. */
  readonly terminationAt: number;
  /** When the failover served the agent again (ms): the grace period runs from here. */
  readonly failedOverAt: number;
}

/** The failover that replaced `instanceId` as the agent's primary, from a succeeded termination notice for it. */
export function formerPrimaryOf(notices: readonly InterruptionEventRecord[], agentId: string, instanceId: string): FormerPrimary | undefined {
  const n = notices.find(
    (e) => e.agentId === agentId && e.instanceId === instanceId && e.signalType === 'termination-notice' && e.instanceRole === 'primary' && e.success === true && e.responseTimeMs !== null,
  );
  return n ? { terminationAt: n.actionTime ?? n.deadline, failedOverAt: n.detectedAt + n.responseTimeMs! } : undefined;
}

/**
 * The rule for a report of a former primary: accepted (undefined) when it was observed at or before the
 * instance's termination time and arrives within `graceSec` of the failover; otherwise the reason.
 */
export function formerPrimaryIssue(former: FormerPrimary, observedSec: number, now: number, graceSec: number): Issue | undefined {
  if (observedSec * 1000 > former.terminationAt) {
    return { path: 'timestamp', code: 'observed_after_termination', message: `was observed after its instance, the agent's former primary, was terminated (${new Date(former.terminationAt).toISOString()})` };
  }
  if (now > former.failedOverAt + graceSec * 1000) {
    return { path: 'instanceId', code: 'former_primary_grace_expired', message: `is the agent's former primary, whose reports were accepted until ${graceSec} s after its failover (${new Date(former.failedOverAt).toISOString()})` };
  }
  return undefined;
}

/**
 * Looks up the former-primary record of each (agent, instance) pair: the notices of the instance detected
 * since the oldest moment a report may have been observed (`maxReportAgeSec`) less an hour of lead.
 */
export async function lookupFormerPrimaries(
  notices: Pick<EventStore, 'listSignals'>,
  pairs: readonly { agentId: string; instanceId: string }[],
  now: number,
  maxReportAgeSec: number,
): Promise<Map<string, FormerPrimary>> {
  const since = now - maxReportAgeSec * 1000 - 3_600_000;
  const found = await Promise.all(
    pairs.map(async ({ agentId, instanceId }) => [pairKey(agentId, instanceId), formerPrimaryOf(await notices.listSignals({ since, agentId, instanceId, limit: 20 }), agentId, instanceId)] as const),
  );
  const out = new Map<string, FormerPrimary>();
  for (const [k, f] of found) if (f) out.set(k, f);
  return out;
}

export const pairKey = (agentId: string, instanceId: string): string => `${agentId}\u0000${instanceId}`;
