import {
  DescribeAvailabilityZonesCommand,
  DescribeSpotPriceHistoryCommand,
  EC2Client,
  GetSpotPlacementScoresCommand,
} from '@aws-sdk/client-ec2';
import { ConfigError, ProviderError, createFakeClock } from '@sef/core';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createEc2PriceFeed } from '../src/index.js';
import { awsError } from './aws-errors.js';

const ec2 = mockClient(EC2Client);
afterEach(() => ec2.reset());
const client = new EC2Client({ region: 'us-east-1' });
const now = Date.UTC(2026, 0, 1, 12);
const price = (az: string, type: string, at: string, p: string) => ({ AvailabilityZone: az, InstanceType: type as never, ProductDescription: 'Linux/UNIX' as const, SpotPrice: p, Timestamp: new Date(at) });
const three = ['c5.large', 'm5.large', 'r5.large'];
const zones = { AvailabilityZones: [{ ZoneId: 'use1-az1', ZoneName: 'us-east-1a' }, { ZoneId: 'use1-az2', ZoneName: 'us-east-1b' }] };

describe('EC2 price feed: price history', () => {
  it('reads every page of DescribeSpotPriceHistory for the pool and returns the changes oldest first', async () => {
    ec2.on(DescribeSpotPriceHistoryCommand)
      .resolvesOnce({ SpotPriceHistory: [price('us-east-1a', 'c5.large', '2026-01-01T11:00:00Z', '0.0400'), price('us-east-1a', 'c5.large', '2026-01-01T10:00:00Z', '0.0380')], NextToken: 'p2' })
      .resolvesOnce({ SpotPriceHistory: [price('us-east-1a', 'c5.large', '2026-01-01T08:30:00Z', '0.0350')], NextToken: '' });
    const feed = createEc2PriceFeed({ client, instanceTypes: ['c5.large'] });
    const from = Date.UTC(2026, 0, 1, 9);
    const history = await feed.priceHistory('us-east-1a:c5.large', from, now);
    // 08:30 is the last change before the start: the price in force at 09:00.
    expect(history).toEqual([
      { time: Date.UTC(2026, 0, 1, 8, 30), price: 0.035 },
      { time: Date.UTC(2026, 0, 1, 10), price: 0.038 },
      { time: Date.UTC(2026, 0, 1, 11), price: 0.04 },
    ]);
    const calls = ec2.commandCalls(DescribeSpotPriceHistoryCommand).map((c) => c.args[0].input);
    expect(calls[0]).toEqual({
      InstanceTypes: ['c5.large'],
      ProductDescriptions: ['Linux/UNIX'],
      AvailabilityZone: 'us-east-1a',
      StartTime: new Date(from),
      EndTime: new Date(now),
      MaxResults: 1000,
    });
    expect(calls[1]).toMatchObject({ NextToken: 'p2' });
    expect(calls).toHaveLength(2);
  });

  it('a malformed pool id is refused without a call', async () => {
    const feed = createEc2PriceFeed({ client, instanceTypes: ['c5.large'] });
    await expect(feed.priceHistory('c5.large', 0, 1)).rejects.toBeInstanceOf(ProviderError);
    expect(ec2.calls()).toHaveLength(0);
  });
});

describe('EC2 price feed: candidate pools', () => {
  it('lists allowed types × AZs with their current price and the AZ placement score, cheapest first, without the current pool', async () => {
    ec2.on(DescribeSpotPriceHistoryCommand).resolves({ SpotPriceHistory: [
      price('us-east-1a', 'c5.large', '2026-01-01T11:00:00Z', '0.0400'),
      price('us-east-1a', 'c5.large', '2026-01-01T09:00:00Z', '0.0300'),
      price('us-east-1b', 'c5.large', '2026-01-01T10:00:00Z', '0.0390'),
      price('us-east-1b', 'm5.large', '2026-01-01T10:00:00Z', '0.0410'),
      price('us-east-1c', 'm5.large', '2026-01-01T10:00:00Z', '0.0200'),
      price('us-east-1a', 'm5.large', '2026-01-01T10:00:00Z', '0.0450'),
    ] });
    ec2.on(DescribeAvailabilityZonesCommand).resolves(zones);
    ec2.on(GetSpotPlacementScoresCommand).resolves({ SpotPlacementScores: [{ Region: 'us-east-1', AvailabilityZoneId: 'use1-az1', Score: 9 }, { Region: 'us-east-1', AvailabilityZoneId: 'use1-az2', Score: 3 }] });
    const feed = createEc2PriceFeed({ client, instanceTypes: ['c5.large', 'm5.large', 'r5.large'], availabilityZones: ['us-east-1a', 'us-east-1b'], onDemandPrices: { 'c5.large': 0.085 }, clock: createFakeClock(now) });
    const pools = await feed.candidatePools({ agentId: 'a', region: 'us-east-1', currentPoolId: 'us-east-1a:m5.large' });
    expect(pools).toEqual([
      { poolId: 'us-east-1b:c5.large', spotPrice: 0.039, onDemandPrice: 0.085, placementScore: 3 },
      { poolId: 'us-east-1a:c5.large', spotPrice: 0.04, onDemandPrice: 0.085, placementScore: 9 },
      { poolId: 'us-east-1b:m5.large', spotPrice: 0.041, placementScore: 3 },
    ]);
    expect(ec2.commandCalls(DescribeSpotPriceHistoryCommand)[0]!.args[0].input).toEqual({
      InstanceTypes: ['c5.large', 'm5.large', 'r5.large'], ProductDescriptions: ['Linux/UNIX'], StartTime: new Date(now), EndTime: new Date(now), MaxResults: 1000,
    });
    expect(ec2.commandCalls(GetSpotPlacementScoresCommand)[0]!.args[0].input).toEqual({
      InstanceTypes: ['c5.large', 'm5.large', 'r5.large'], TargetCapacity: 1, SingleAvailabilityZone: true, RegionNames: ['us-east-1'], MaxResults: 1000,
    });
  });

  it('candidates are only in the zones the agent has a subnet for (an async zone list, as from the launch spec)', async () => {
    ec2.on(DescribeSpotPriceHistoryCommand).resolves({ SpotPriceHistory: [
      price('us-east-1a', 'c5.large', '2026-01-01T11:00:00Z', '0.0400'),
      price('us-east-1c', 'c5.large', '2026-01-01T11:00:00Z', '0.0100'),
      price('us-east-1d', 'c5.large', '2026-01-01T11:00:00Z', '0.0200'),
    ] });
    const subnets: Record<string, Record<string, string>> = { a: { 'us-east-1a': 'subnet-1', 'us-east-1d': 'subnet-4' } };
    const feed = createEc2PriceFeed({
      client, instanceTypes: ['c5.large'], placementScores: false, clock: createFakeClock(now),
      availabilityZones: async (agentId) => Object.keys(subnets[agentId] ?? {}),
    });
    const pools = await feed.candidatePools({ agentId: 'a', region: 'us-east-1', currentPoolId: 'us-east-1b:c5.large' });
    expect(pools.map((p) => p.poolId)).toEqual(['us-east-1d:c5.large', 'us-east-1a:c5.large']);
  });

  it('without the permission for placement scores it answers without them, warns once and stops asking', async () => {
    ec2.on(DescribeSpotPriceHistoryCommand).resolves({ SpotPriceHistory: [price('us-east-1a', 'c5.large', '2026-01-01T11:00:00Z', '0.0400')] });
    ec2.on(DescribeAvailabilityZonesCommand).resolves(zones);
    ec2.on(GetSpotPlacementScoresCommand).rejects(awsError('UnauthorizedOperation', { status: 403 }));
    const warnings: unknown[] = [];
    const feed = createEc2PriceFeed({ client, instanceTypes: three, clock: createFakeClock(now), onWarning: (e) => warnings.push(e) });
    const agent = { agentId: 'a', region: 'us-east-1', currentPoolId: 'us-east-1b:c5.large' };
    await expect(feed.candidatePools(agent)).resolves.toEqual([{ poolId: 'us-east-1a:c5.large', spotPrice: 0.04 }]);
    await expect(feed.candidatePools(agent)).resolves.toEqual([{ poolId: 'us-east-1a:c5.large', spotPrice: 0.04 }]);
    expect(ec2.commandCalls(GetSpotPlacementScoresCommand)).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toBeInstanceOf(ProviderError);
  });

  it('a failed placement-score call is remembered: no call and no warning again until the retry time', async () => {
    const clock = createFakeClock(now);
    ec2.on(DescribeSpotPriceHistoryCommand).resolves({ SpotPriceHistory: [price('us-east-1a', 'c5.large', '2026-01-01T11:00:00Z', '0.0400')] });
    ec2.on(DescribeAvailabilityZonesCommand).resolves(zones);
    ec2.on(GetSpotPlacementScoresCommand).rejects(awsError('InternalError', { status: 500, fault: 'server' }));
    const warnings: unknown[] = [];
    const feed = createEc2PriceFeed({ client, instanceTypes: three, clock, placementScoreRetry: 600_000, onWarning: (e) => warnings.push(e) });
    const agent = { agentId: 'a', region: 'us-east-1', currentPoolId: 'us-east-1b:c5.large' };
    for (let i = 0; i < 5; i++) await expect(feed.candidatePools(agent)).resolves.toEqual([{ poolId: 'us-east-1a:c5.large', spotPrice: 0.04 }]);
    expect(ec2.commandCalls(GetSpotPlacementScoresCommand)).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    await clock.advance(600_000);
    ec2.on(GetSpotPlacementScoresCommand).resolves({ SpotPlacementScores: [{ AvailabilityZoneId: 'use1-az1', Score: 7 }] });
    await expect(feed.candidatePools(agent)).resolves.toEqual([{ poolId: 'us-east-1a:c5.large', spotPrice: 0.04, placementScore: 7 }]);
    expect(ec2.commandCalls(GetSpotPlacementScoresCommand)).toHaveLength(2);
    expect(warnings).toHaveLength(1);
  });

  it('placement scores need at least three instance types: asked for with fewer is a ConfigError naming the option', () => {
    const error = (() => {
      try {
        createEc2PriceFeed({ client, instanceTypes: ['c5.large', 'm5.large'], placementScores: true });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([expect.objectContaining({ path: 'instanceTypes' })]);
    expect((error as ConfigError).message).toMatch(/at least 3 instance types.*placementScores: false/);
  });

  it('by default, fewer than three types (a list, or per agent) ask for no scores; per agent it is said once', async () => {
    ec2.on(DescribeSpotPriceHistoryCommand).resolves({ SpotPriceHistory: [price('us-east-1a', 'c5.large', '2026-01-01T11:00:00Z', '0.0400')] });
    const agent = { agentId: 'a', region: 'us-east-1', currentPoolId: 'us-east-1b:c5.large' };
    const warnings: unknown[] = [];
    await createEc2PriceFeed({ client, instanceTypes: ['c5.large'], clock: createFakeClock(now) }).candidatePools(agent);
    const perAgent = createEc2PriceFeed({ client, instanceTypes: () => ['c5.large', 'm5.large'], clock: createFakeClock(now), onWarning: (e) => warnings.push(e) });
    await perAgent.candidatePools(agent);
    await perAgent.candidatePools(agent);
    expect(ec2.commandCalls(GetSpotPlacementScoresCommand)).toHaveLength(0);
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0])).toMatch(/at least 3 instance types/);
  });

  it('a failing price call fails the answer as a retryable ProviderError', async () => {
    ec2.on(DescribeSpotPriceHistoryCommand).rejects(awsError('RequestLimitExceeded', { status: 503 }));
    const feed = createEc2PriceFeed({ client, instanceTypes: ['c5.large'], placementScores: false });
    await expect(feed.candidatePools({ agentId: 'a', region: 'us-east-1', currentPoolId: 'x' })).rejects.toMatchObject({ code: 'PROVIDER', retryable: true });
  });
});
