import type { Issue } from '../errors/index.js';
import type { SefConfig } from '../config/index.js';
import { maxIdLength, textProblem } from './text-limits.js';

/** Stable reason codes of the checks SEF adds to the shape (the `code` of each {@link Issue}). */
export type ReportRejectionCode =
  | 'id_too_long'
  | 'control_character'
  | 'ill_formed'
  | 'price_out_of_range'
  | 'timestamp_in_future'
  | 'timestamp_too_old'
  | 'missing_agent'
  | 'agent_mismatch'
  | 'unknown_pool'
  | 'unknown_agent'
  | 'unknown_instance'
  | 'observed_after_termination'
  | 'former_primary_grace_expired'
  | 'invalid_report';

/** The settings the value checks need, and the time of the check. */
export interface ValueCheckContext {
  readonly config: Pick<SefConfig, 'minPrice' | 'maxPrice' | 'maxClockSkew' | 'maxReportAge'>;
  /** Unix ms. */
  readonly now: number;
}

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * An id field: too long, a control character or a lone surrogate is an issue; returns the id when it can
 * be looked up (so a store never sees an id it cannot hold).
 */
function checkId(value: unknown, path: string, issues: Issue[]): string | undefined {
  if (typeof value !== 'string') return undefined;
  const problem = textProblem(value, maxIdLength);
  if (problem === undefined) return value;
  issues.push({ path, code: problem.code === 'too_long' ? 'id_too_long' : problem.code, message: problem.message });
  return undefined;
}

/** The ids of a report that passed their own checks; absent when wrong or missing. */
export interface ReportIds {
  agentId: string | undefined;
  instanceId: string | undefined;
  poolId: string | undefined;
}

/**
 * The value checks that go beyond the shape, on every field that has the right type, so that a report
 * with a wrong type in one field still hears about the range of another. Pushes onto `issues`.
 */
export function checkValues(
  report: Readonly<Record<string, unknown>>,
  ctx: ValueCheckContext,
  batchAgentId: string | undefined,
  issues: Issue[],
): ReportIds {
  const { minPrice, maxPrice, maxClockSkew, maxReportAge } = ctx.config;
  const price = report['price'];
  if (isFiniteNumber(price) && !(price > minPrice && price <= maxPrice)) {
    issues.push({ path: 'price', code: 'price_out_of_range', message: `must be greater than ${minPrice} and at most ${maxPrice}` });
  }
  const ts = report['timestamp'];
  if (isFiniteNumber(ts)) {
    const nowSec = ctx.now / 1000;
    if (ts > nowSec + maxClockSkew) {
      issues.push({ path: 'timestamp', code: 'timestamp_in_future', message: `lies more than ${maxClockSkew} s in the future` });
    } else if (ts < nowSec - maxReportAge) {
      issues.push({ path: 'timestamp', code: 'timestamp_too_old', message: `is older than ${maxReportAge} s` });
    }
  }
  const own = checkId(report['agentId'], 'agentId', issues);
  let agentId = batchAgentId;
  if (batchAgentId === undefined) {
    agentId = own;
    if (report['agentId'] === undefined) issues.push({ path: 'agentId', code: 'missing_agent', message: 'is required when the batch names no agent' });
  } else if (typeof report['agentId'] === 'string' && report['agentId'] !== batchAgentId) {
    issues.push({ path: 'agentId', code: 'agent_mismatch', message: 'differs from the agent the batch was sent for' });
  }
  return {
    agentId,
    instanceId: checkId(report['instanceId'], 'instanceId', issues),
    poolId: checkId(report['poolId'], 'poolId', issues),
  };
}
