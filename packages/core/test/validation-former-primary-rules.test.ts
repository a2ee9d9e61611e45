import { describe, expect, it } from 'vitest';
import type { InterruptionEventRecord } from '../src/ports/types.js';
import { formerPrimaryIssue, formerPrimaryOf, lookupFormerPrimaries, pairKey } from '../src/validation/former-primary.js';

// The former-primary rule's pure parts, each condition on its own: which notice makes an instance a former
// primary, the two limits of acceptance at their exact bounds, and the one read per pair.
const T0 = Date.UTC(2026, 0, 1, 12);
const failover: InterruptionEventRecord = {
  id: `a1~i-old~term~${T0}`, agentId: 'a1', instanceId: 'i-old', poolId: 'us-east-1a:c5.large', signalType: 'termination-notice',
  instanceRole: 'primary', detectedAt: T0, noticeTime: T0, actionTime: T0 + 120_000, deadline: T0 + 110_000,
  responseTimeMs: 45_000, success: true, outcome: 'promoted', steps: [],
};

describe('formerPrimaryOf', () => {
  it("takes the termination time from the notice's action time and the failover time from its response", () => {
    expect(formerPrimaryOf([failover], 'a1', 'i-old')).toEqual({ terminationAt: T0 + 120_000, failedOverAt: T0 + 45_000 });
  });

  it('falls back to the deadline when the notice gave no action time', () => {
    expect(formerPrimaryOf([{ ...failover, actionTime: null }], 'a1', 'i-old')).toEqual({ terminationAt: T0 + 110_000, failedOverAt: T0 + 45_000 });
  });

  it.each([
    ['another agent', { agentId: 'a2' }],
    ['another instance', { instanceId: 'i-other' }],
    ['a rebalance recommendation', { signalType: 'rebalance-recommendation' as const }],
    ['a notice about the replica', { instanceRole: 'replica' as const }],
    ['a failed failover', { success: false }],
    ['a failover still running', { success: null, responseTimeMs: null }],
    ['a success without a response time', { responseTimeMs: null }],
  ])('is not made by %s', (_, change) => {
    expect(formerPrimaryOf([{ ...failover, ...change }], 'a1', 'i-old')).toBeUndefined();
  });

  it('finds the failover among notices that do not qualify', () => {
    const others = [{ ...failover, agentId: 'a2' }, { ...failover, instanceId: 'i-x' }, { ...failover, success: false }];
    expect(formerPrimaryOf([...others, failover], 'a1', 'i-old')).toEqual({ terminationAt: T0 + 120_000, failedOverAt: T0 + 45_000 });
  });
});

describe('formerPrimaryIssue', () => {
  const former = { terminationAt: T0 + 120_000, failedOverAt: T0 + 45_000 };
  const grace = 600;

  it('accepts a report observed at the termination time itself, arriving at the last moment of the grace', () => {
    expect(formerPrimaryIssue(former, (T0 + 120_000) / 1000, T0 + 45_000 + grace * 1000, grace)).toBeUndefined();
  });

  it('rejects a report observed after the termination, on its timestamp, saying when the instance ended', () => {
    expect(formerPrimaryIssue(former, (T0 + 121_000) / 1000, T0 + 50_000, grace)).toEqual({
      path: 'timestamp', code: 'observed_after_termination',
      message: "was observed after its instance, the agent's former primary, was terminated (2026-01-01T12:02:00.000Z)",
    });
  });

  it('rejects a report arriving a millisecond after the grace, on its instance, saying until when they were accepted', () => {
    expect(formerPrimaryIssue(former, T0 / 1000, T0 + 45_000 + grace * 1000 + 1, grace)).toEqual({
      path: 'instanceId', code: 'former_primary_grace_expired',
      message: "is the agent's former primary, whose reports were accepted until 600 s after its failover (2026-01-01T12:00:45.000Z)",
    });
  });
});

describe('lookupFormerPrimaries', () => {
  it('reads the notices of each pair since the oldest acceptable observation less an hour, and keeps the pairs that have a failover', async () => {
    const asked: unknown[] = [];
    const notices = {
      listSignals: async (q: { since: number; agentId?: string; instanceId?: string; limit?: number }) => {
        asked.push(q);
        return q.instanceId === 'i-old' ? [failover] : [];
      },
    };
    const now = T0 + 60_000;
    const found = await lookupFormerPrimaries(notices, [{ agentId: 'a1', instanceId: 'i-old' }, { agentId: 'a1', instanceId: 'i-new' }], now, 86_400);
    expect(asked).toEqual([
      { since: now - 86_400_000 - 3_600_000, agentId: 'a1', instanceId: 'i-old', limit: 20 },
      { since: now - 86_400_000 - 3_600_000, agentId: 'a1', instanceId: 'i-new', limit: 20 },
    ]);
    expect([...found]).toEqual([[pairKey('a1', 'i-old'), { terminationAt: T0 + 120_000, failedOverAt: T0 + 45_000 }]]);
  });

  it('keys pairs apart: no two (agent, instance) pairs share a key', () => {
    expect(new Set([pairKey('a1', 'i-1'), pairKey('a1', 'i-2'), pairKey('a2', 'i-1'), pairKey('a', '1i-1')]).size).toBe(4);
  });
});
