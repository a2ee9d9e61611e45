import type { Issue } from '../errors/index.js';
import type { AgentStore } from '../ports/agent-store.js';
import type { PoolStore } from '../ports/pool-store.js';
import type { AgentRecord, Role, SourceReport } from '../ports/types.js';
import { checkValues, type ReportIds, type ValueCheckContext } from './report-checks.js';
import { hasPlainShape, shapeIssues } from './report-shape.js';

/** What validation needs besides the reports. */
export interface ValidationContext extends ValueCheckContext {
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
  const pending: Pending[] = [];
  const poolIds = new Set<string>();
  const agentIds = new Set<string>();
  for (let index = 0; index < input.length; index++) {
    const issues: Issue[] = [];
    try {
      const report = input[index];
      if (!hasPlainShape(report)) issues.push(...shapeIssues(report));
      const fields = typeof report === 'object' && report !== null && !Array.isArray(report) ? (report as Record<string, unknown>) : {};
      const ids = checkValues(fields, ctx, ctx.agentId, issues);
      if (ids.poolId !== undefined) poolIds.add(ids.poolId);
      if (ids.agentId !== undefined) agentIds.add(ids.agentId);
      pending.push({ index, report: fields, ids, issues });
    } catch {
      // A hostile object (a throwing getter or proxy) is junk like any other.
      issues.push({ path: '', code: 'invalid_report', message: 'could not be read' });
      pending.push({ index, report: {}, ids: { agentId: undefined, instanceId: undefined, poolId: undefined }, issues });
    }
  }

  const [known, agentList] = await Promise.all([
    poolIds.size > 0 ? ctx.pools.known([...poolIds]) : Promise.resolve(new Set<string>()),
    Promise.all([...agentIds].map((id) => ctx.agents.get(id))),
  ]);
  const agents = new Map<string, AgentRecord>();
  for (const a of agentList) if (a) agents.set(a.id, a);

  const accepted: SourceReport[] = [];
  const rejected: RejectedReport[] = [];
  for (const p of pending) {
    const { ids, issues } = p;
    if (ids.poolId !== undefined && !known.has(ids.poolId)) {
      issues.push({ path: 'poolId', code: 'unknown_pool', message: 'is not a known pool' });
    }
    let role: Role | undefined;
    if (ids.agentId !== undefined) {
      const agent = agents.get(ids.agentId);
      if (!agent) issues.push({ path: 'agentId', code: 'unknown_agent', message: 'is not a registered agent' });
      else if (ids.instanceId !== undefined) {
        role = roleOf(agent, ids.instanceId);
        if (!role) issues.push({ path: 'instanceId', code: 'unknown_instance', message: "is neither the agent's current primary nor its replica" });
      }
    }
    if (issues.length > 0 || !role || ids.agentId === undefined || ids.instanceId === undefined || ids.poolId === undefined) {
      rejected.push({ index: p.index, issues });
      continue;
    }
    accepted.push({
      agentId: ids.agentId,
      instanceId: ids.instanceId,
      poolId: ids.poolId,
      timestamp: p.report['timestamp'] as number,
      price: p.report['price'] as number,
      role,
    });
  }
  return { accepted, rejected, agents };
}

/** The role of an instance, from SEF's own record of the agent. */
export function roleOf(agent: AgentRecord, instanceId: string): Role | undefined {
  if (instanceId === agent.primaryInstanceId) return 'primary';
  if (agent.replicaInstanceId !== null && instanceId === agent.replicaInstanceId) return 'replica';
  return undefined;
}
