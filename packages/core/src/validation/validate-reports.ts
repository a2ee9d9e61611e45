import type { Issue } from '../errors/index.js';
import type { SefConfig } from '../config/index.js';
import type { AgentStore } from '../ports/agent-store.js';
import type { EventStore } from '../ports/event-store.js';
import type { PoolStore } from '../ports/pool-store.js';
import type { AgentRecord, Role, SourceReport } from '../ports/types.js';
import { formerPrimaryIssue, lookupFormerPrimaries, pairKey } from './former-primary.js';
import { checkValues, type ReportIds, type ValueCheckContext } from './report-checks.js';
import { hasPlainShape, shapeIssues } from './report-shape.js';
import { isAcceptableText, maxIdLength } from './text-limits.js';

/** What validation needs besides the reports. */
export interface ValidationContext extends ValueCheckContext {
  readonly config: ValueCheckContext['config'] & Pick<SefConfig, 'formerPrimaryGrace'>;
  /**
   * Asked only for a report whose instance is neither the agent's primary nor its replica: a former
   * primary's reports are accepted for `formerPrimaryGrace` after its failover (see `formerPrimaryIssue`).
   */
  readonly notices: Pick<EventStore, 'listSignals'>;
  /** Asked once per batch for every pool id the batch names. */
  readonly pools: Pick<PoolStore, 'known'>;
  /** Asked once per distinct agent of the batch; the role of an instance comes from here, never from the report. */
  readonly agents: Pick<AgentStore, 'get'>;
  /** The agent the batch was sent for (the API path names it); a report's own `agentId` must then match or be absent. */
  readonly agentId?: string | undefined;
}

/** A report that was not accepted: its position in the batch and every reason. */
export interface RejectedReport {
  readonly index: number;
  readonly issues: readonly Issue[];
}

export interface ValidationResult {
  /** Reports that passed every check, in input order, with the role SEF assigned. */
  readonly accepted: SourceReport[];
  readonly rejected: RejectedReport[];
  /** The agents the batch named that exist, by id (the caller needs them to route reports). */
  readonly agents: ReadonlyMap<string, AgentRecord>;
}

interface Pending {
  readonly index: number;
  readonly report: Readonly<Record<string, unknown>>;
  readonly ids: ReportIds;
  readonly issues: Issue[];
}

/**
 * Validates a batch of raw reports. Every rejected report lists every problem found (shape, range,
 * time, unknown pool, agent or instance); junk of any kind is rejected as data, never thrown.
 * Nothing of the input is copied except the five known fields of accepted reports.
 * @example
 * const { accepted, rejected } = await validateReports(body.reports, { config, now: clock.now(), pools, agents, agentId });
 */
export async function validateReports(input: readonly unknown[], ctx: ValidationContext): Promise<ValidationResult> {
  const n = input.length;
  // Reports that passed every check of their own stay `undefined` here (the common case, no allocation);
  // the others get their issues collected.
  const slow: (Pending | undefined)[] = new Array<Pending | undefined>(n);
  const poolIds = new Set<string>();
  const agentIds = new Set<string>();
  for (let index = 0; index < n; index++) {
    const report = input[index];
    try {
      if (hasPlainShape(report) && passesOwnChecks(report as PlainReport, ctx)) {
        poolIds.add((report as PlainReport).poolId);
        agentIds.add((report as PlainReport).agentId ?? ctx.agentId!);
        continue;
      }
    } catch {
      // Fall through: the slow path names the problem.
    }
    const p = inspect(index, report, ctx);
    if (p.ids.poolId !== undefined) poolIds.add(p.ids.poolId);
    if (p.ids.agentId !== undefined) agentIds.add(p.ids.agentId);
    slow[index] = p;
  }

  const [known, agentList] = await Promise.all([
    poolIds.size > 0 ? ctx.pools.known([...poolIds]) : Promise.resolve(new Set<string>()),
    Promise.all([...agentIds].map((id) => ctx.agents.get(id))),
  ]);
  const agents = new Map<string, AgentRecord>();
  for (const a of agentList) if (a) agents.set(a.id, a);

  // Reports of an instance that is neither primary nor replica: a former primary, within its grace period?
  const strangers = new Map<string, { agentId: string; instanceId: string }>();
  const stranger = (agentId: string | undefined, instanceId: string | undefined) => {
    const agent = agentId === undefined ? undefined : agents.get(agentId);
    if (agent && instanceId !== undefined && !roleOf(agent, instanceId)) strangers.set(pairKey(agent.id, instanceId), { agentId: agent.id, instanceId });
  };
  for (let index = 0; index < n; index++) {
    const p = slow[index];
    if (p) stranger(p.ids.agentId, p.ids.instanceId);
    else stranger((input[index] as PlainReport).agentId ?? ctx.agentId!, (input[index] as PlainReport).instanceId);
  }
  const formers = strangers.size > 0 ? await lookupFormerPrimaries(ctx.notices, [...strangers.values()], ctx.now, ctx.config.maxReportAge) : new Map();
  const grace = ctx.config.formerPrimaryGrace;

  const accepted: SourceReport[] = [];
  const rejected: RejectedReport[] = [];
  for (let index = 0; index < n; index++) {
    let p = slow[index];
    if (p === undefined) {
      const r = input[index] as PlainReport;
      const agentId = r.agentId ?? ctx.agentId!;
      const agent = agents.get(agentId);
      let role = agent === undefined ? undefined : roleOf(agent, r.instanceId);
      if (agent !== undefined && role === undefined) {
        const former = formers.get(pairKey(agentId, r.instanceId));
        // It observed these as the primary: they are its series' primary reports.
        if (former && formerPrimaryIssue(former, r.timestamp, ctx.now, grace) === undefined) role = 'primary';
      }
      if (role !== undefined && known.has(r.poolId)) {
        accepted.push({ agentId, instanceId: r.instanceId, poolId: r.poolId, timestamp: r.timestamp, price: r.price, role });
        continue;
      }
      p = inspect(index, r, ctx);
    }
    const { ids, issues } = p;
    if (ids.poolId !== undefined && !known.has(ids.poolId)) {
      issues.push({ path: 'poolId', code: 'unknown_pool', message: 'is not a known pool' });
    }
    const agent = ids.agentId === undefined ? undefined : agents.get(ids.agentId);
    let role = agent === undefined || ids.instanceId === undefined ? undefined : roleOf(agent, ids.instanceId);
    if (ids.agentId !== undefined) {
      if (!agent) issues.push({ path: 'agentId', code: 'unknown_agent', message: 'is not a registered agent' });
      else if (ids.instanceId !== undefined && !role) {
        const former = formers.get(pairKey(agent.id, ids.instanceId));
        const ts = p.report['timestamp'];
        const issue = former && typeof ts === 'number' ? formerPrimaryIssue(former, ts, ctx.now, grace) : undefined;
        if (issue) issues.push(issue);
        else if (!former) issues.push({ path: 'instanceId', code: 'unknown_instance', message: "is neither the agent's current primary nor its replica" });
        else role = 'primary';
      }
    }
    // Never rejected without a reason: a report the fast path doubted but no check faults is accepted.
    if (issues.length === 0 && role !== undefined) {
      const r = p.report as unknown as PlainReport;
      accepted.push({ agentId: ids.agentId!, instanceId: ids.instanceId!, poolId: ids.poolId!, timestamp: r.timestamp, price: r.price, role });
      continue;
    }
    rejected.push({ index, issues });
  }
  return { accepted, rejected, agents };
}

interface PlainReport {
  readonly agentId?: string;
  readonly instanceId: string;
  readonly poolId: string;
  readonly timestamp: number;
  readonly price: number;
}

/** The checks of {@link checkValues} for a report of the plain shape, without collecting issues. */
function passesOwnChecks(r: PlainReport, ctx: ValidationContext): boolean {
  const { minPrice, maxPrice, maxClockSkew, maxReportAge } = ctx.config;
  const nowSec = ctx.now / 1000;
  return (
    r.price > minPrice &&
    r.price <= maxPrice &&
    r.timestamp <= nowSec + maxClockSkew &&
    r.timestamp >= nowSec - maxReportAge &&
    isAcceptableText(r.instanceId, maxIdLength) &&
    isAcceptableText(r.poolId, maxIdLength) &&
    (ctx.agentId === undefined ? r.agentId !== undefined && isAcceptableText(r.agentId, maxIdLength) : r.agentId === undefined || r.agentId === ctx.agentId)
  );
}

/** Every problem of one report that can be seen without the stores. Never throws. */
function inspect(index: number, report: unknown, ctx: ValidationContext): Pending {
  const issues: Issue[] = [];
  try {
    issues.push(...shapeIssues(report));
    const fields = typeof report === 'object' && report !== null && !Array.isArray(report) ? (report as Record<string, unknown>) : {};
    return { index, report: fields, ids: checkValues(fields, ctx, ctx.agentId, issues), issues };
  } catch {
    // A hostile object (a throwing getter or proxy) is junk like any other.
    return { index, report: {}, ids: { agentId: undefined, instanceId: undefined, poolId: undefined }, issues: [{ path: '', code: 'invalid_report', message: 'could not be read' }] };
  }
}

/** The role of an instance, from SEF's own record of the agent. */
export function roleOf(agent: AgentRecord, instanceId: string): Role | undefined {
  if (instanceId === agent.primaryInstanceId) return 'primary';
  if (agent.replicaInstanceId !== null && instanceId === agent.replicaInstanceId) return 'replica';
  return undefined;
}
