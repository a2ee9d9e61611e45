import {
  DescribeAvailabilityZonesCommand,
  DescribeSpotPriceHistoryCommand,
  EC2Client,
  GetSpotPlacementScoresCommand,
} from '@aws-sdk/client-ec2';
import { ConfigError, createFakeClock } from '@sef/core';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createEc2PriceFeed } from '../src/index.js';
import { awsError } from './aws-errors.js';

// Issue 13: 50 emergencies at once made 300 DescribeSpotPriceHistory calls within seconds (every pool
// choice reads the history of every candidate). The price feed shares concurrent questions and keeps
// answers for `priceCacheTtl`.
const ec2 = mockClient(EC2Client);
afterEach(() => ec2.reset());
const client = new EC2Client({ region: 'us-east-1' });
const now = Date.UTC(2026, 0, 1, 12);
const hour = 3_600_000;
const price = (az: string, type: string, at: number, p: string) => ({ AvailabilityZone: az, InstanceType: type as never, ProductDescription: 'Linux/UNIX' as const, SpotPrice: p, Timestamp: new Date(at) });
const three = ['c5.large', 'm5.large', 'r5.large'];
const pool = 'us-east-1a:c5.large';
const history = { SpotPriceHistory: [price('us-east-1a', 'c5.large', now - 2 * hour, '0.0400'), price('us-east-1a', 'c5.large', now - 30 * hour, '0.0350')] };
const calls = (command: typeof DescribeSpotPriceHistoryCommand | typeof GetSpotPlacementScoresCommand) => ec2.commandCalls(command as never).length;

/** A mocked EC2 answer that waits until `release` is called, so that callers overlap. */
function held<T>(value: () => T): { answer: () => Promise<T>; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  return { answer: async () => (await gate, value()), release: () => release() };
}

describe('EC2 price feed: shared and cached answers', () => {
  it('N concurrent pool choices for the same pool make one DescribeSpotPriceHistory call, each answered the history', async () => {
    const clock = createFakeClock(now);
    const h = held(() => history);
    ec2.on(DescribeSpotPriceHistoryCommand).callsFake(h.answer);
    const feed = createEc2PriceFeed({ client, instanceTypes: ['c5.large'], clock });
    const answers = Array.from({ length: 20 }, () => feed.priceHistory(pool, now - 24 * hour, now));
    h.release();
    const all = await Promise.all(answers);
    expect(calls(DescribeSpotPriceHistoryCommand)).toBe(1);
    for (const a of all) expect(a).toEqual([{ time: now - 30 * hour, price: 0.035 }, { time: now - 2 * hour, price: 0.04 }]);
  });

  it('concurrent candidate lists make one price call and one GetSpotPlacementScores call', async () => {
    const clock = createFakeClock(now);
    const prices = held(() => ({ SpotPriceHistory: [price('us-east-1a', 'c5.large', now - hour, '0.0400')] }));
    const scores = held(() => ({ SpotPlacementScores: [{ AvailabilityZoneId: 'use1-az1', Score: 7 }] }));
    ec2.on(DescribeSpotPriceHistoryCommand).callsFake(prices.answer);
    ec2.on(GetSpotPlacementScoresCommand).callsFake(scores.answer);
    ec2.on(DescribeAvailabilityZonesCommand).resolves({ AvailabilityZones: [{ ZoneId: 'use1-az1', ZoneName: 'us-east-1a' }] });
    const feed = createEc2PriceFeed({ client, instanceTypes: three, clock });
    const agent = (k: number) => ({ agentId: `a${k}`, region: 'us-east-1', currentPoolId: 'us-east-1b:c5.large' });
    const answers = Array.from({ length: 10 }, (_, k) => feed.candidatePools(agent(k)));
    prices.release();
    scores.release();
    for (const a of await Promise.all(answers)) expect(a).toEqual([{ poolId: pool, spotPrice: 0.04, placementScore: 7 }]);
    expect([calls(DescribeSpotPriceHistoryCommand), calls(GetSpotPlacementScoresCommand)]).toEqual([1, 1]);
  });

  it('an answer serves later questions until the TTL (default 60 s) is over; then EC2 is asked again', async () => {
    const clock = createFakeClock(now);
    ec2.on(DescribeSpotPriceHistoryCommand).resolves(history);
    const feed = createEc2PriceFeed({ client, instanceTypes: ['c5.large'], clock });
    const ask = () => feed.priceHistory(pool, clock.now() - 24 * hour, clock.now());
    await ask();
    await clock.advance(59_999);
    await ask();
    expect(calls(DescribeSpotPriceHistoryCommand)).toBe(1);
    await clock.advance(1);
    await ask();
    expect(calls(DescribeSpotPriceHistoryCommand)).toBe(2);
  });

  it('the TTL is an option; each pool (region, type, AZ) has its own entry; a window reaching further back asks again', async () => {
    const clock = createFakeClock(now);
    ec2.on(DescribeSpotPriceHistoryCommand).resolves(history);
    const feed = createEc2PriceFeed({ client, instanceTypes: ['c5.large'], clock, priceCacheTtl: 5_000 });
    await feed.priceHistory(pool, now - 24 * hour, now);
    await feed.priceHistory('us-east-1b:c5.large', now - 24 * hour, now);
    await feed.priceHistory('us-east-1a:m5.large', now - 24 * hour, now);
    expect(calls(DescribeSpotPriceHistoryCommand)).toBe(3);
    await feed.priceHistory(pool, now - 48 * hour, now);
    expect(calls(DescribeSpotPriceHistoryCommand)).toBe(4);
    await clock.advance(4_000);
    await feed.priceHistory(pool, now - 24 * hour, now + 4_000);
    expect(calls(DescribeSpotPriceHistoryCommand)).toBe(4);
    await clock.advance(1_000);
    await feed.priceHistory(pool, now - 24 * hour, now + 5_000);
    expect(calls(DescribeSpotPriceHistoryCommand)).toBe(5);
  });

  it('a cached wider answer is cut to the window asked: the changes in it and the one in force at its start', async () => {
    const clock = createFakeClock(now);
    ec2.on(DescribeSpotPriceHistoryCommand).resolves({ SpotPriceHistory: [
      price('us-east-1a', 'c5.large', now - hour, '0.0500'), price('us-east-1a', 'c5.large', now - 5 * hour, '0.0450'),
      price('us-east-1a', 'c5.large', now - 10 * hour, '0.0400'), price('us-east-1a', 'c5.large', now - 30 * hour, '0.0350'),
    ] });
    const feed = createEc2PriceFeed({ client, instanceTypes: ['c5.large'], clock });
    await feed.priceHistory(pool, now - 24 * hour, now);
    expect(await feed.priceHistory(pool, now - 6 * hour, now - 2 * hour)).toEqual([{ time: now - 10 * hour, price: 0.04 }, { time: now - 5 * hour, price: 0.045 }]);
    expect(calls(DescribeSpotPriceHistoryCommand)).toBe(1);
  });

  it('an error is not kept: concurrent callers share it, the next question asks EC2 again', async () => {
    const clock = createFakeClock(now);
    const h = held(() => {
      throw awsError('RequestLimitExceeded', { status: 503 });
    });
    ec2.on(DescribeSpotPriceHistoryCommand).callsFakeOnce(h.answer).resolves(history);
    const feed = createEc2PriceFeed({ client, instanceTypes: ['c5.large'], clock });
    const failing = Array.from({ length: 5 }, () => feed.priceHistory(pool, now - 24 * hour, now).catch((e: unknown) => e));
    h.release();
    for (const e of await Promise.all(failing)) expect(e).toMatchObject({ code: 'PROVIDER', retryable: true });
    expect(calls(DescribeSpotPriceHistoryCommand)).toBe(1);
    await expect(feed.priceHistory(pool, now - 24 * hour, now)).resolves.toHaveLength(2);
    expect(calls(DescribeSpotPriceHistoryCommand)).toBe(2);
  });

  it('a failed placement-score call shared by concurrent callers is warned once', async () => {
    const clock = createFakeClock(now);
    const h = held(() => {
      throw awsError('InternalError', { status: 500, fault: 'server' });
    });
    ec2.on(DescribeSpotPriceHistoryCommand).resolves({ SpotPriceHistory: [price('us-east-1a', 'c5.large', now - hour, '0.0400')] });
    ec2.on(DescribeAvailabilityZonesCommand).resolves({ AvailabilityZones: [] });
    ec2.on(GetSpotPlacementScoresCommand).callsFake(h.answer);
    const warnings: unknown[] = [];
    const feed = createEc2PriceFeed({ client, instanceTypes: three, clock, onWarning: (e) => warnings.push(e) });
    const answers = Array.from({ length: 4 }, (_, k) => feed.candidatePools({ agentId: `a${k}`, region: 'us-east-1', currentPoolId: 'x' }));
    h.release();
    for (const a of await Promise.all(answers)) expect(a).toEqual([{ poolId: pool, spotPrice: 0.04 }]);
    expect([calls(GetSpotPlacementScoresCommand), warnings.length]).toEqual([1, 1]);
  });

  it('a caller that gives up does not end the shared call for the others; when every caller has, the call is aborted', async () => {
    const clock = createFakeClock(now);
    const h = held(() => history);
    ec2.on(DescribeSpotPriceHistoryCommand).callsFake(h.answer);
    const feed = createEc2PriceFeed({ client, instanceTypes: ['c5.large'], clock, priceCacheTtl: 0 });
    const quitter = new AbortController();
    const stays = feed.priceHistory(pool, now - hour, now);
    const quits = feed.priceHistory(pool, now - hour, now, { signal: quitter.signal });
    quitter.abort(new Error('deadline'));
    await expect(quits).rejects.toThrow('deadline');
    h.release();
    await expect(stays).resolves.toHaveLength(1);
    expect(calls(DescribeSpotPriceHistoryCommand)).toBe(1);
    // Everyone gives up: the next question starts a new call instead of waiting on the abandoned one.
    const gone = new AbortController();
    ec2.on(DescribeSpotPriceHistoryCommand).callsFake(() => new Promise(() => undefined));
    const abandoned = feed.priceHistory(pool, now - hour, now, { signal: gone.signal });
    gone.abort(new Error('gone'));
    await expect(abandoned).rejects.toThrow('gone');
    ec2.on(DescribeSpotPriceHistoryCommand).resolves(history);
    await expect(feed.priceHistory(pool, now - hour, now)).resolves.toHaveLength(1);
    expect(calls(DescribeSpotPriceHistoryCommand)).toBe(3);
  });

  it('with priceCacheTtl 0 nothing is kept (identical questions at the same time still share a call); a bad TTL is a ConfigError', async () => {
    const clock = createFakeClock(now);
    ec2.on(DescribeSpotPriceHistoryCommand).resolves(history);
    const feed = createEc2PriceFeed({ client, instanceTypes: ['c5.large'], clock, priceCacheTtl: 0 });
    await feed.priceHistory(pool, now - hour, now);
    await feed.priceHistory(pool, now - hour, now);
    expect(calls(DescribeSpotPriceHistoryCommand)).toBe(2);
    await Promise.all([feed.priceHistory(pool, now - hour, now), feed.priceHistory(pool, now - hour, now)]);
    expect(calls(DescribeSpotPriceHistoryCommand)).toBe(3);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => createEc2PriceFeed({ client, instanceTypes: ['c5.large'], priceCacheTtl: bad })).toThrow(ConfigError);
    }
  });
});
