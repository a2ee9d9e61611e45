import type { Issue } from '../errors/index.js';
import { checkText, maxIdLength, maxRegionLength } from './text-limits.js';

/** The fields of an agent registration that are checked before any store is asked. */
export interface RegistrationFields {
  readonly id: unknown;
  readonly instanceId: unknown;
  readonly poolId: unknown;
  readonly region?: unknown;
}

/**
 * Every problem of a registration's fields, with the limits reports are held to (so an agent that can
 * register can also report): ids non-empty strings of at most {@link maxIdLength} characters, a region of
 * at most {@link maxRegionLength}, none with control characters or lone surrogates.
 */
export function registrationIssues(agent: RegistrationFields): Issue[] {
  const issues: Issue[] = [];
  const field = (path: string, value: unknown, maxLength: number) => {
    if (typeof value !== 'string' || value.length === 0) issues.push({ path, code: 'invalid_type', message: 'expected a non-empty string' });
    else checkText(value, path, maxLength, issues);
  };
  field('id', agent.id, maxIdLength);
  field('instanceId', agent.instanceId, maxIdLength);
  field('poolId', agent.poolId, maxIdLength);
  if (agent.region !== undefined) field('region', agent.region, maxRegionLength);
  return issues;
}
