import { createHash, randomUUID } from 'node:crypto';
import type { Instance, Tag } from '@aws-sdk/client-ec2';
import type { InstanceInfo, InstanceState } from '@sef/core';
import { ProviderError } from '@sef/core';

/**
 * Tag keys of every instance SEF launches: its agent and role, the cause it was launched for (a notice's
 * id; when the launch names one) and its `ClientToken`, by which a launch refused as a repeat with other
 * parameters finds the instance of the first.
 */
export const instanceTags = { agent: 'sef:agent', role: 'sef:role', cause: 'sef:cause', token: 'sef:token' } as const;

/** EC2 tag values hold at most 256 characters; longer ones are hashed, equal in, equal out. */
export const tagSafe = (value: string): string => (value.length <= 256 ? value : createHash('sha256').update(value).digest('hex'));

const states: ReadonlySet<string> = new Set(['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated']);

/** EC2 allows at most 64 ASCII characters in a `ClientToken`; longer tokens are hashed, equal in, equal out. */
export function clientToken(idempotencyToken: string | undefined, suffix = ''): string {
  const raw = (idempotencyToken ?? randomUUID()) + suffix;
  return /^[\x21-\x7e]{1,64}$/.test(raw) ? raw : createHash('sha256').update(raw).digest('hex');
}

/** The value of a tag, if the resource carries it. */
export function tagValue(tags: readonly Tag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}

/** Maps an EC2 instance to the core's {@link InstanceInfo}; the pool is `<az>:<instanceType>`. */
export function toInstanceInfo(instance: Instance): InstanceInfo {
  const { InstanceId, InstanceType, Placement, State, LaunchTime, InstanceLifecycle } = instance;
  const az = Placement?.AvailabilityZone;
  const state = State?.Name;
  if (!InstanceId || !InstanceType || !az || !state || !states.has(state)) {
    throw new ProviderError(`EC2 returned an incomplete instance (${InstanceId ?? 'no id'})`);
  }
  return {
    instanceId: InstanceId,
    poolId: `${az}:${InstanceType}`,
    market: InstanceLifecycle === 'spot' ? 'spot' : 'on-demand',
    state: state as InstanceState,
    launchedAt: LaunchTime instanceof Date ? LaunchTime.getTime() : 0,
  };
}
