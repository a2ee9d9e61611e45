import { CapacityError, PoolUnusableError } from '../errors/index.js';
import type { InstanceInfo, LaunchRequest } from '../ports/compute-provider.js';
import type { AgentRecord, Market } from '../ports/types.js';
import { choosePool, emergencyOrder, type PoolChoice, type PoolChoiceRules, type ScoredCandidate } from '../risk/pool-choice.js';
import type { FlowContext } from './context.js';
import { stepToken } from './ids.js';

/** Candidates from the price feed, each with its own risk, and the rules of the choice (avoid, threshold). */
export async function scoredCandidates(ctx: FlowContext, agent: AgentRecord, signal: AbortSignal): Promise<{ candidates: ScoredCandidate[]; rules: PoolChoiceRules }> {
  const now = ctx.clock.now();
  const raw = await ctx.priceFeed.candidatePools({ agentId: agent.id, region: agent.region, currentPoolId: agent.poolId }, { signal });
  const cooldownSince = now - ctx.config.poolCooldown * 1000;
  const scored = await Promise.all(
    raw.map(async (c) => {
      const [risk, interrupted] = await Promise.all([ctx.risk.poolRisk(c.poolId, signal), ctx.storage.events.countInterruptions(c.poolId, cooldownSince)]);
      return { candidate: { ...c, risk: risk.score }, cooling: interrupted > 0 };
    }),
  );
  const avoid = new Set<string>([agent.poolId, ...scored.filter((s) => s.cooling).map((s) => s.candidate.poolId)]);
  return {
    candidates: scored.map((s) => s.candidate),
    rules: {
      threshold: ctx.config.rebalanceRiskThreshold,
      avoid,
      allowOnDemand: ctx.config.allowOnDemandFallback && ctx.compute.capabilities.onDemand,
      fallbackPoolId: agent.poolId,
    },
  };
}

/** Pools to try in order, with their market: the cheapest safe pools for a standby, any pool in an emergency. */
export interface LaunchPlan {
  readonly attempts: readonly { poolId: string; market: Market; risk?: number }[];
  readonly choice: PoolChoice;
}

export async function planLaunch(ctx: FlowContext, agent: AgentRecord, emergency: boolean, signal: AbortSignal): Promise<LaunchPlan> {
  const { candidates, rules } = await scoredCandidates(ctx, agent, signal);
  const choice = choosePool(candidates, rules);
  if (!emergency) {
    if (choice.kind === 'spot') return { choice, attempts: choice.pools.map((p) => ({ poolId: p.poolId, market: 'spot', risk: p.risk })) };
    if (choice.kind === 'on-demand') return { choice, attempts: [{ poolId: choice.poolId, market: 'on-demand' }] };
    return { choice, attempts: [] };
  }
  // An emergency relaunch takes any pool rather than none; the interrupted pool itself comes last.
  const order = emergencyOrder(candidates, { ...rules, avoid: rules.avoid });
  const attempts: { poolId: string; market: Market; risk?: number }[] = order.map((p) => ({ poolId: p.poolId, market: 'spot', risk: p.risk }));
  if (rules.allowOnDemand) attempts.push({ poolId: choice.kind === 'on-demand' ? choice.poolId : agent.poolId, market: 'on-demand' });
  return { choice, attempts };
}

/**
 * Launches in the first usable pool with capacity. Every pool attempt of a cause carries the same
 * idempotency token (the cause's, never the pool's): a launch only binds its token when it succeeds, so
 * whatever pool a resumed or concurrent run tries first (capacity back in a pool that refused an earlier
 * run, a plan made again), the provider answers the one instance the cause already has.
 */
export async function launchInPlan(
  ctx: FlowContext,
  plan: LaunchPlan,
  base: Omit<LaunchRequest, 'poolId' | 'market' | 'causeId'>,
  causeId: string,
  signal: AbortSignal,
): Promise<InstanceInfo> {
  let last: unknown;
  const idempotencyToken = stepToken(causeId, 'launch');
  for (const attempt of plan.attempts.slice(0, 8)) {
    try {
      return await ctx.compute.launch({ ...base, poolId: attempt.poolId, market: attempt.market, causeId }, { signal, idempotencyToken });
    } catch (error) {
      if (!(error instanceof CapacityError || error instanceof PoolUnusableError)) throw error;
      last = error;
    }
  }
  throw last ?? new CapacityError(base.agentId, 'No pool to launch in');
}
