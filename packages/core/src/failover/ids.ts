import type { SignalType } from '../ports/types.js';

/**
 * The exactly-once key of a notice: the agent, the instance it concerns, its type and the cloud's notice
 * time (ms). The same notice from any source, at any SEF instance, has one id; notices of two agents never
 * share one. `~` cannot occur in the API's ids, so the parts cannot run into each other.
 */
export const noticeId = (agentId: string, instanceId: string, type: SignalType, noticeTime: number): string =>
  `${agentId}~${instanceId}~${type === 'termination-notice' ? 'term' : 'rebal'}~${noticeTime}`;

/** The provider's idempotency token of one step of one cause (EC2 ClientToken allows 64 ASCII characters). */
export const stepToken = (causeId: string, step: string): string => {
  const token = `${causeId}:${step}`;
  return token.length <= 64 ? token : `${token.slice(0, 40)}~${fnv1a(token)}`;
};

/**
 * The cause of a manual switch: the agent and the instance it switches to. Flat (it names the instance,
 * not the replica record, whose id names the cause before it), so ids stay the same length over any number
 * of switches; a retried switch to the same replica keeps its cause and so its idempotency tokens.
 */
export const switchCauseId = (agentId: string, instanceId: string): string => `switch:${agentId}:${instanceId}`;

/** Replica record id for the replica a cause starts. */
export const replicaIdFor = (causeId: string, step = 'replica'): string => `${causeId}:${step}`;

function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
