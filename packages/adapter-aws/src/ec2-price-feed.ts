import {
  DescribeAvailabilityZonesCommand,
  DescribeSpotPriceHistoryCommand,
  GetSpotPlacementScoresCommand,
  type DescribeSpotPriceHistoryCommandInput,
  type EC2Client,
  type SpotPrice,
} from '@aws-sdk/client-ec2';
import type { CallOptions, Clock, PoolCandidate, PriceChange, PriceFeed } from '@sef/core';
import { ConfigError, ProviderError, systemClock } from '@sef/core';
import { awsErrorCode, callAws } from './errors.js';
import { parsePoolId, toPoolId } from './pool-id.js';
import { toStepFunction } from './step-history.js';

export interface Ec2PriceFeedOptions {
  /** An EC2 client, or one per region (prices and scores are regional). */
  readonly client: EC2Client | ((region: string) => EC2Client);
  /** Instance types the agent may move to. */
  readonly instanceTypes: readonly string[] | ((agentId: string) => readonly string[]);
  /**
   * Availability zones the agent may move to: the zones the compute provider has a subnet for (pass
   * the keys of the launch spec's `subnets`), so that every candidate is a pool SEF can launch in.
   * @default every zone EC2 lists prices for
   */
  readonly availabilityZones?: readonly string[] | ((agentId: string) => readonly string[] | Promise<readonly string[]>);
  /** @default 'Linux/UNIX' */
  readonly productDescription?: string;
  /**
   * Ask GetSpotPlacementScores for a score per AZ; skipped for good once the caller lacks the permission.
   * EC2 needs at least 3 instance types for it: `true` with a shorter list is a `ConfigError`; by
   * default a shorter list (or an agent's, told once to `onWarning`) asks for no scores.
   * @default true when there are at least 3 instance types
   */
  readonly placementScores?: boolean;
  /** After a failed GetSpotPlacementScores call, how long candidates come without scores before SEF asks again (ms); warned once. @default 900000 */
  readonly placementScoreRetry?: number;
  /** On-demand price (USD/h) per instance type, copied into the candidates. @default {} */
  readonly onDemandPrices?: Readonly<Record<string, number>>;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Problems that degrade the answer without failing it (placement scores refused or failing). @default ignore */
  readonly onWarning?: (error: unknown) => void;
}

/** GetSpotPlacementScores refuses fewer instance types. */
const minScoreTypes = 3;
const deniedCodes: ReadonlySet<string> = new Set(['UnauthorizedOperation', 'AccessDenied', 'AccessDeniedException', 'OptInRequired']);
const send = (signal: AbortSignal | undefined) => (signal ? { abortSignal: signal } : {});
const at = (call: CallOptions | undefined) => (call?.signal ? { signal: call.signal } : {});

/**
 * The core's {@link PriceFeed} on EC2: DescribeSpotPriceHistory (all pages) and GetSpotPlacementScores.
 * History is returned as the step function EC2 describes (changes only, carried forward, never interpolated).
 * @example
 * const prices = createEc2PriceFeed({
 *   client: (region) => new EC2Client({ region }),
 *   instanceTypes: ['c5.large', 'm5.large', 'm6i.large'],
 * });
 */
export function createEc2PriceFeed(options: Ec2PriceFeedOptions): PriceFeed {
  const clock = options.clock ?? systemClock;
  const product = options.productDescription ?? 'Linux/UNIX';
  const clientFor = (region: string) => (typeof options.client === 'function' ? options.client(region) : options.client);
  const pick = <T>(v: readonly T[] | ((agentId: string) => readonly T[]), agentId: string) => (typeof v === 'function' ? v(agentId) : v);
  const pickZones = async (v: NonNullable<Ec2PriceFeedOptions['availabilityZones']>, agentId: string) => (typeof v === 'function' ? v(agentId) : v);
  const zoneNames = new Map<string, Map<string, string>>();
  const fixedTypes = typeof options.instanceTypes === 'function' ? undefined : options.instanceTypes;
  if (options.placementScores === true && fixedTypes && fixedTypes.length < minScoreTypes) {
    throw new ConfigError([{ path: 'instanceTypes', code: 'too_small', message: `placement scores need at least ${minScoreTypes} instance types (EC2 refuses fewer): list more, or set placementScores: false` }]);
  }
  let scoresDenied = options.placementScores === false || (fixedTypes !== undefined && fixedTypes.length < minScoreTypes);
  const retryAfterFailure = options.placementScoreRetry ?? 900_000;
  /** Until when a failed call keeps SEF from asking again (ms). */
  let scoresFailedUntil = -Infinity;
  let toldTooFewTypes = false;

  const history = async (client: EC2Client, input: { types: readonly string[]; zone?: string; from: Date; to: Date }, call?: CallOptions) => {
    const points: SpotPrice[] = [];
    let NextToken: string | undefined;
    do {
      const page = await callAws('DescribeSpotPriceHistory', () =>
        client.send(new DescribeSpotPriceHistoryCommand({
          InstanceTypes: [...input.types] as DescribeSpotPriceHistoryCommandInput['InstanceTypes'],
          ProductDescriptions: [product],
          ...(input.zone !== undefined ? { AvailabilityZone: input.zone } : {}),
          StartTime: input.from,
          EndTime: input.to,
          MaxResults: 1000,
          ...(NextToken ? { NextToken } : {}),
        }), send(call?.signal)), at(call));
      points.push(...(page.SpotPriceHistory ?? []));
      NextToken = page.NextToken || undefined;
    } while (NextToken);
    return points;
  };

  /** Zone id (`use1-az1`) → zone name (`us-east-1a`): placement scores name zones by id. */
  const zonesOf = async (client: EC2Client, region: string, call?: CallOptions) => {
    const cached = zoneNames.get(region);
    if (cached) return cached;
    const out = await callAws('DescribeAvailabilityZones', () => client.send(new DescribeAvailabilityZonesCommand({}), send(call?.signal)), at(call));
    const map = new Map((out.AvailabilityZones ?? []).flatMap((z) => (z.ZoneId && z.ZoneName ? [[z.ZoneId, z.ZoneName] as const] : [])));
    zoneNames.set(region, map);
    return map;
  };

  const scores = async (client: EC2Client, region: string, types: readonly string[], call?: CallOptions) => {
    const byZone = new Map<string, number>();
    if (scoresDenied || clock.now() < scoresFailedUntil) return byZone;
    if (types.length < minScoreTypes) {
      if (!toldTooFewTypes) options.onWarning?.(new ConfigError([{ path: 'instanceTypes', code: 'too_small', message: `placement scores need at least ${minScoreTypes} instance types; candidates come without scores` }]));
      toldTooFewTypes = true;
      return byZone;
    }
    try {
      const names = await zonesOf(client, region, call);
      let NextToken: string | undefined;
      do {
        const page = await client.send(new GetSpotPlacementScoresCommand({
          InstanceTypes: [...types],
          TargetCapacity: 1,
          SingleAvailabilityZone: true,
          RegionNames: [region],
          MaxResults: 1000,
          ...(NextToken ? { NextToken } : {}),
        }), send(call?.signal));
        for (const s of page.SpotPlacementScores ?? []) {
          const zone = s.AvailabilityZoneId ? names.get(s.AvailabilityZoneId) : undefined;
          if (zone !== undefined && s.Score !== undefined) byZone.set(zone, s.Score);
        }
        NextToken = page.NextToken || undefined;
      } while (NextToken);
    } catch (error) {
      if (call?.signal?.aborted) throw call.signal.reason;
      if (deniedCodes.has(awsErrorCode(error) ?? '')) scoresDenied = true;
      else scoresFailedUntil = clock.now() + retryAfterFailure;
      options.onWarning?.(new ProviderError('GetSpotPlacementScores failed; candidates carry no placement score', { cause: error }));
      byZone.clear();
    }
    return byZone;
  };

  return {
    async candidatePools(agent, call) {
      const client = clientFor(agent.region);
      const types = pick(options.instanceTypes, agent.agentId);
      const zones = options.availabilityZones ? new Set(await pickZones(options.availabilityZones, agent.agentId)) : undefined;
      const now = new Date(clock.now());
      const [points, zoneScores] = await Promise.all([
        history(client, { types, from: now, to: now }, call),
        scores(client, agent.region, types, call),
      ]);
      // The latest price per pool: the API lists the last change before `now` for each of them.
      const latest = new Map<string, { time: number; price: number }>();
      for (const p of points) {
        if (!p.AvailabilityZone || !p.InstanceType || !p.SpotPrice || !p.Timestamp) continue;
        if (zones && !zones.has(p.AvailabilityZone)) continue;
        const id = toPoolId(p.AvailabilityZone, p.InstanceType);
        const time = p.Timestamp.getTime();
        const price = Number(p.SpotPrice);
        const seen = latest.get(id);
        if (Number.isFinite(price) && (!seen || time > seen.time)) latest.set(id, { time, price });
      }
      const out: PoolCandidate[] = [];
      for (const [poolId, { price }] of latest) {
        if (poolId === agent.currentPoolId) continue;
        const pool = parsePoolId(poolId);
        const onDemand = pool ? options.onDemandPrices?.[pool.instanceType] : undefined;
        const score = pool ? zoneScores.get(pool.availabilityZone) : undefined;
        out.push({ poolId, spotPrice: price, ...(onDemand !== undefined ? { onDemandPrice: onDemand } : {}), ...(score !== undefined ? { placementScore: score } : {}) });
      }
      return out.sort((a, b) => a.spotPrice - b.spotPrice || a.poolId.localeCompare(b.poolId));
    },

    async priceHistory(poolId, from, to, call): Promise<PriceChange[]> {
      const pool = parsePoolId(poolId);
      if (!pool) throw new ProviderError(`Not a pool id: ${poolId} (expected <az>:<instanceType>)`);
      const points = await history(clientFor(pool.region), { types: [pool.instanceType], zone: pool.availabilityZone, from: new Date(from), to: new Date(to) }, call);
      return toStepFunction(points.flatMap((p) => {
        const price = Number(p.SpotPrice);
        return p.Timestamp && Number.isFinite(price) && p.InstanceType === pool.instanceType && (p.AvailabilityZone ?? pool.availabilityZone) === pool.availabilityZone ? [{ time: p.Timestamp.getTime(), price }] : [];
      }));
    },
  };
}
