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
import { createWindowCache } from './window-cache.js';

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
  /**
   * How long a DescribeSpotPriceHistory or GetSpotPlacementScores answer serves later questions (ms): a
   * pool's history (per region, instance type and AZ), the current prices and the scores are read from
   * EC2 at most once per this time, so that a burst of failovers (each pool choice reads the history of
   * every candidate) makes a handful of calls instead of hundreds, which EC2 would throttle. Identical
   * questions at the same time always share one call, also with 0; a failed call is never kept.
   * Prices served are at most this old. @default 60000
   */
  readonly priceCacheTtl?: number;
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
  const ttl = options.priceCacheTtl ?? 60_000;
  if (!(Number.isFinite(ttl) && ttl >= 0)) {
    throw new ConfigError([{ path: 'priceCacheTtl', code: 'invalid', message: `priceCacheTtl must be a number of milliseconds >= 0 (got ${String(ttl)})` }]);
  }
  const histories = createWindowCache<SpotPrice[]>(clock, ttl);
  const scoreCache = createWindowCache<Map<string, number>>(clock, ttl);
  let scoresDenied = options.placementScores === false || (fixedTypes !== undefined && fixedTypes.length < minScoreTypes);
  const retryAfterFailure = options.placementScoreRetry ?? 900_000;
  /** Until when a failed call keeps SEF from asking again (ms). */
  let scoresFailedUntil = -Infinity;
  let toldTooFewTypes = false;

  type HistoryInput = { region: string; types: readonly string[]; zone?: string; from: number; to: number };
  /** Every page of DescribeSpotPriceHistory for the input, under the shared call's signal. */
  const fetchHistory = async (client: EC2Client, input: HistoryInput, signal: AbortSignal) => {
    const points: SpotPrice[] = [];
    let NextToken: string | undefined;
    do {
      const page = await callAws('DescribeSpotPriceHistory', () =>
        client.send(new DescribeSpotPriceHistoryCommand({
          InstanceTypes: [...input.types] as DescribeSpotPriceHistoryCommandInput['InstanceTypes'],
          ProductDescriptions: [product],
          ...(input.zone !== undefined ? { AvailabilityZone: input.zone } : {}),
          StartTime: new Date(input.from),
          EndTime: new Date(input.to),
          MaxResults: 1000,
          ...(NextToken ? { NextToken } : {}),
        }), send(signal)), { signal });
      points.push(...(page.SpotPriceHistory ?? []));
      NextToken = page.NextToken || undefined;
    } while (NextToken);
    return points;
  };

  /** The price changes of the input's window, as EC2 answers them (the last change before `from` included), shared and cached. */
  const history = async (client: EC2Client, input: HistoryInput, call?: CallOptions) => {
    const key = [input.region, product, input.zone ?? '*', [...input.types].sort().join(',')].join('|');
    const points = await histories.get(key, input.from, input.to, (signal) => fetchHistory(client, input, signal), call?.signal);
    return inWindow(points, input.from, input.to);
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
    const fetchScores = async (signal: AbortSignal) => {
      const found = new Map<string, number>();
      const names = await zonesOf(client, region, { signal });
      let NextToken: string | undefined;
      do {
        const page = await client.send(new GetSpotPlacementScoresCommand({
          InstanceTypes: [...types],
          TargetCapacity: 1,
          SingleAvailabilityZone: true,
          RegionNames: [region],
          MaxResults: 1000,
          ...(NextToken ? { NextToken } : {}),
        }), send(signal));
        for (const s of page.SpotPlacementScores ?? []) {
          const zone = s.AvailabilityZoneId ? names.get(s.AvailabilityZoneId) : undefined;
          if (zone !== undefined && s.Score !== undefined) found.set(zone, s.Score);
        }
        NextToken = page.NextToken || undefined;
      } while (NextToken);
      return found;
    };
    try {
      const now = clock.now();
      return new Map(await scoreCache.get([region, [...types].sort().join(',')].join('|'), now, now, fetchScores, call?.signal));
    } catch (error) {
      if (call?.signal?.aborted) throw call.signal.reason;
      // Callers that shared the failed call are told once.
      const told = scoresDenied || clock.now() < scoresFailedUntil;
      if (deniedCodes.has(awsErrorCode(error) ?? '')) scoresDenied = true;
      else scoresFailedUntil = clock.now() + retryAfterFailure;
      if (!told) options.onWarning?.(new ProviderError('GetSpotPlacementScores failed; candidates carry no placement score', { cause: error }));
      return byZone;
    }
  };

  return {
    async candidatePools(agent, call) {
      const client = clientFor(agent.region);
      const types = pick(options.instanceTypes, agent.agentId);
      const zones = options.availabilityZones ? new Set(await pickZones(options.availabilityZones, agent.agentId)) : undefined;
      const now = clock.now();
      const [points, zoneScores] = await Promise.all([
        history(client, { region: agent.region, types, from: now, to: now }, call),
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
      const points = await history(clientFor(pool.region), { region: pool.region, types: [pool.instanceType], zone: pool.availabilityZone, from, to }, call);
      return toStepFunction(points.flatMap((p) => {
        const price = Number(p.SpotPrice);
        return p.Timestamp && Number.isFinite(price) && p.InstanceType === pool.instanceType && (p.AvailabilityZone ?? pool.availabilityZone) === pool.availabilityZone ? [{ time: p.Timestamp.getTime(), price }] : [];
      }));
    },
  };
}

/**
 * The points of a (possibly wider) answer that EC2 would give for [from, to]: the changes up to `to`,
 * and of those before `from` only the last one of each pool (the price in force at `from`).
 */
function inWindow(points: readonly SpotPrice[], from: number, to: number): SpotPrice[] {
  const before = new Map<string, SpotPrice>();
  const out: SpotPrice[] = [];
  for (const p of points) {
    const time = p.Timestamp?.getTime();
    if (time === undefined || time > to) continue;
    if (time >= from) {
      out.push(p);
      continue;
    }
    const pool = `${p.AvailabilityZone}:${p.InstanceType}`;
    const seen = before.get(pool)?.Timestamp?.getTime();
    if (seen === undefined || time > seen) before.set(pool, p);
  }
  return [...out, ...before.values()];
}
