import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../src/clock/index.js';
import { parseConfig, type SefConfigInput } from '../src/config/index.js';
import { CapacityError, PoolUnusableError, ProviderError } from '../src/errors/index.js';
import type { FlowContext } from '../src/failover/context.js';
import { stepToken } from '../src/failover/ids.js';
import { launchInPlan, planLaunch, scoredCandidates, type LaunchPlan } from '../src/failover/pools.js';
import type { CallOptions, InstanceInfo, LaunchRequest } from '../src/ports/compute-provider.js';
import type { PoolCandidate } from '../src/ports/price-feed.js';
import type { AgentRecord } from '../src/ports/types.js';

// Where a replica or an emergency relaunch goes: the plan of pools from the price feed, each pool's own
// risk and cool-down, and the launch that walks the plan. A hand-made flow context, so that the prices,
// risks and interruptions are exact.

const T0 = Date.UTC(2026, 0, 1, 12);
const CURRENT = 'us-east-1a:c5.large';

interface World {
  readonly candidates: PoolCandidate[];
  readonly risk: Record<string, number>;
  /** Interruptions per pool, each at a time (ms). */
  readonly interruptions?: Record<string, number[]>;
  readonly onDemand?: boolean;
  readonly config?: SefConfigInput;
  readonly launch?: (request: LaunchRequest) => Promise<InstanceInfo>;
}

function contextOf(world: World) {
  const clock = createFakeClock(T0);
  const seen: { feedSignal?: AbortSignal | undefined; riskSignals: (AbortSignal | undefined)[]; launches: { request: LaunchRequest; options: CallOptions | undefined }[] } = { riskSignals: [], launches: [] };
  const ctx = {
    clock,
    config: parseConfig(world.config ?? {}),
    priceFeed: {
      candidatePools: async (_agent: unknown, options?: CallOptions) => ((seen.feedSignal = options?.signal), world.candidates),
    },
    risk: { poolRisk: async (poolId: string, signal?: AbortSignal) => (seen.riskSignals.push(signal), { score: world.risk[poolId] ?? 0 }) },
    storage: { events: { countInterruptions: async (poolId: string, since: number) => (world.interruptions?.[poolId] ?? []).filter((at) => at >= since).length } },
    compute: {
      capabilities: { onDemand: world.onDemand ?? true },
      async launch(request: LaunchRequest, options?: CallOptions) {
        seen.launches.push({ request, options });
        if (world.launch) return world.launch(request);
        return { instanceId: `i-${seen.launches.length}`, poolId: request.poolId, market: request.market, state: 'pending' } as InstanceInfo;
      },
    },
  } as unknown as FlowContext;
  return { ctx, seen, clock };
}

const agent = { id: 'a1', region: 'us-east-1', poolId: CURRENT } as AgentRecord;
const pool = (poolId: string, spotPrice: number, onDemandPrice = 0.085): PoolCandidate => ({ poolId, spotPrice, onDemandPrice });
const signal = new AbortController().signal;

describe('scoredCandidates', () => {
  it('scores each candidate with its own risk, avoids the current pool and pools interrupted within the cool-down', async () => {
    const { ctx, seen } = contextOf({
      candidates: [pool(CURRENT, 0.02), pool('b', 0.03), pool('c', 0.04), pool('d', 0.05)],
      risk: { [CURRENT]: 0.1, b: 0.2, c: 0.05, d: 0.5 },
      // `b` interrupted exactly at the cool-down's start (still cooling), `c` 1 ms before it (cooled).
      interruptions: { b: [T0 - 3_600_000], c: [T0 - 3_600_001] },
      config: { poolCooldown: 3600, rebalanceRiskThreshold: 0.4, allowOnDemandFallback: true },
    });
    const { candidates, rules } = await scoredCandidates(ctx, agent, signal);
    expect(candidates.map((c) => [c.poolId, c.risk])).toEqual([[CURRENT, 0.1], ['b', 0.2], ['c', 0.05], ['d', 0.5]]);
    expect([...rules.avoid].sort()).toEqual(['b', CURRENT]);
    expect(rules).toMatchObject({ threshold: 0.4, allowOnDemand: true, fallbackPoolId: CURRENT });
    expect(seen.feedSignal).toBe(signal);
    expect(seen.riskSignals.every((s) => s === signal)).toBe(true);
  });

  it('on-demand is allowed only when the config allows it and the provider can launch on-demand', async () => {
    const allow = async (allowOnDemandFallback: boolean, onDemand: boolean) =>
      (await scoredCandidates(contextOf({ candidates: [], risk: {}, onDemand, config: { allowOnDemandFallback } }).ctx, agent, signal)).rules.allowOnDemand;
    expect(await allow(true, true)).toBe(true);
    expect(await allow(true, false)).toBe(false);
    expect(await allow(false, true)).toBe(false);
  });
});

describe('planLaunch', () => {
  const candidates = [pool(CURRENT, 0.01), pool('cheap-risky', 0.02), pool('safe-b', 0.04), pool('safe-a', 0.03)];
  const risk = { [CURRENT]: 0, 'cheap-risky': 0.9, 'safe-b': 0.1, 'safe-a': 0.1 };

  it('a standby goes to the safe pools only, cheapest first, on spot', async () => {
    const { ctx } = contextOf({ candidates, risk, config: { allowOnDemandFallback: true } });
    const plan = await planLaunch(ctx, agent, false, signal);
    expect(plan.choice.kind).toBe('spot');
    expect(plan.attempts).toEqual([{ poolId: 'safe-a', market: 'spot', risk: 0.1 }, { poolId: 'safe-b', market: 'spot', risk: 0.1 }]);
  });

  it('an emergency takes any pool: the safe ones, then the risky, the current pool last, then on-demand when allowed', async () => {
    const { ctx } = contextOf({ candidates, risk, config: { allowOnDemandFallback: true } });
    const plan = await planLaunch(ctx, agent, true, signal);
    expect(plan.attempts).toEqual([
      { poolId: 'safe-a', market: 'spot', risk: 0.1 },
      { poolId: 'safe-b', market: 'spot', risk: 0.1 },
      { poolId: 'cheap-risky', market: 'spot', risk: 0.9 },
      { poolId: CURRENT, market: 'spot', risk: 0 },
      { poolId: CURRENT, market: 'on-demand' },
    ]);
    const spotOnly = await planLaunch(contextOf({ candidates, risk }).ctx, agent, true, signal);
    expect(spotOnly.attempts.map((a) => a.market)).toEqual(['spot', 'spot', 'spot', 'spot']);
  });

  it("an emergency's on-demand attempt goes to the pool the choice names for on-demand", async () => {
    // Nothing safe, on-demand allowed: the choice is on-demand in the pool with the cheapest on-demand price.
    const { ctx } = contextOf({ candidates: [pool(CURRENT, 0.01), pool('x', 0.02, 0.09), pool('y', 0.03, 0.07)], risk: { [CURRENT]: 0.9, x: 0.9, y: 0.9 }, config: { allowOnDemandFallback: true } });
    const plan = await planLaunch(ctx, agent, true, signal);
    expect(plan.choice).toMatchObject({ kind: 'on-demand', poolId: 'y' });
    expect(plan.attempts.at(-1)).toEqual({ poolId: 'y', market: 'on-demand' });
    const standby = await planLaunch(ctx, agent, false, signal);
    expect(standby.attempts).toEqual([{ poolId: 'y', market: 'on-demand' }]);
  });

  it('a standby with no safe pool and no on-demand has no attempt', async () => {
    const { ctx } = contextOf({ candidates, risk: { ...risk, 'safe-a': 0.9, 'safe-b': 0.9 } });
    const plan = await planLaunch(ctx, agent, false, signal);
    expect(plan).toMatchObject({ choice: { kind: 'none' }, attempts: [] });
  });
});

describe('launchInPlan', () => {
  const planOf = (...poolIds: string[]): LaunchPlan => ({
    attempts: poolIds.map((poolId) => ({ poolId, market: 'spot' as const })),
    choice: { kind: 'none', reason: 'test' },
  });

  it('moves past pools without capacity or unusable, with one idempotency token for the cause in every attempt', async () => {
    const { ctx, seen } = contextOf({
      candidates: [], risk: {},
      launch: async (r) => {
        if (r.poolId === 'p1') throw new CapacityError('a1', 'none in p1');
        if (r.poolId === 'p2') throw new PoolUnusableError('p2', 'no subnet for p2');
        return { instanceId: 'i-3', poolId: r.poolId, market: r.market, state: 'pending' } as InstanceInfo;
      },
    });
    const info = await launchInPlan(ctx, planOf('p1', 'p2', 'p3', 'p4'), { agentId: 'a1', role: 'replica' }, 'cause-1', signal);
    expect(info.instanceId).toBe('i-3');
    expect(seen.launches.map((l) => l.request)).toEqual(['p1', 'p2', 'p3'].map((poolId) => ({ agentId: 'a1', role: 'replica', poolId, market: 'spot', causeId: 'cause-1' })));
    expect(seen.launches.every((l) => l.options?.idempotencyToken === stepToken('cause-1', 'launch') && l.options.signal === signal)).toBe(true);
  });

  it('any other refusal ends it at once', async () => {
    const refused = new ProviderError('UnauthorizedOperation');
    const { ctx, seen } = contextOf({ candidates: [], risk: {}, launch: () => Promise.reject(refused) });
    await expect(launchInPlan(ctx, planOf('p1', 'p2'), { agentId: 'a1', role: 'replica' }, 'c', signal)).rejects.toBe(refused);
    expect(seen.launches).toHaveLength(1);
  });

  it('tries at most 8 pools and then fails with the last refusal', async () => {
    const { ctx, seen } = contextOf({ candidates: [], risk: {}, launch: (r) => Promise.reject(new CapacityError('a1', `none in ${r.poolId}`)) });
    const pools = Array.from({ length: 10 }, (_, i) => `p${i + 1}`);
    await expect(launchInPlan(ctx, planOf(...pools), { agentId: 'a1', role: 'replica' }, 'c', signal)).rejects.toThrow('none in p8');
    expect(seen.launches.map((l) => l.request.poolId)).toEqual(pools.slice(0, 8));
  });

  it('an empty plan fails with a capacity error, no launch made', async () => {
    const { ctx, seen } = contextOf({ candidates: [], risk: {} });
    const error = await launchInPlan(ctx, planOf(), { agentId: 'a1', role: 'replica' }, 'c', signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapacityError);
    expect((error as Error).message).toMatch(/No pool to launch in/);
    expect(seen.launches).toEqual([]);
  });
});
