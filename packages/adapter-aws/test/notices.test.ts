import { CapacityError, ProviderError } from '@sef/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { capacityErrorCodes, parseEc2Event, parseEventBridgeNotice, parseInstanceAction, parseRebalance, toSefError } from '../src/index.js';
import { awsError } from './aws-errors.js';
import { interruptionWarning, rebalanceRecommendation, stateChange } from './eventbridge-events.js';

describe('notice bodies', () => {
  it('reads the IMDS instance-action and rebalance bodies of the EC2 user guide', () => {
    expect(parseInstanceAction('{"action": "terminate", "time": "2017-09-18T08:22:00Z"}')).toEqual({ action: 'terminate', time: Date.parse('2017-09-18T08:22:00Z') });
    expect(parseRebalance('{"noticeTime": "2020-10-27T08:22:00Z"}')).toEqual({ noticeTime: Date.parse('2020-10-27T08:22:00Z') });
    expect(parseInstanceAction('{"action": "reboot", "time": "2017-09-18T08:22:00Z"}')).toBeUndefined();
    expect(parseInstanceAction('{"action": "stop"}')).toBeUndefined();
  });

  it('an EventBridge interruption warning is a termination notice two minutes ahead; rebalance has no action', () => {
    expect(parseEventBridgeNotice(interruptionWarning('i-1', '2026-01-01T12:00:00Z', 'stop'))).toEqual({
      type: 'termination-notice', instanceId: 'i-1', noticeTime: Date.UTC(2026, 0, 1, 12), action: 'stop', actionTime: Date.UTC(2026, 0, 1, 12, 2),
    });
    expect(parseEventBridgeNotice(rebalanceRecommendation('i-1', '2026-01-01T12:00:00Z'))).toEqual({ type: 'rebalance-recommendation', instanceId: 'i-1', noticeTime: Date.UTC(2026, 0, 1, 12) });
  });

  it('an instance state change is read as such (not a notice); an unknown state or event type is unreadable', () => {
    expect(parseEc2Event(stateChange('i-1', '2026-01-01T12:03:00Z', 'shutting-down'))).toEqual({
      kind: 'state-change', change: { instanceId: 'i-1', state: 'shutting-down', time: Date.UTC(2026, 0, 1, 12, 3) },
    });
    expect(parseEventBridgeNotice(stateChange('i-1', '2026-01-01T12:03:00Z', 'stopped'))).toBeUndefined();
    expect(parseEc2Event(stateChange('i-1', '2026-01-01T12:03:00Z', 'exploded'))).toEqual({ kind: 'unreadable' });
    expect(parseEc2Event(JSON.stringify({ ...JSON.parse(stateChange('i-1', '2026-01-01T12:03:00Z', 'stopped')), 'detail-type': 'AWS API Call via CloudTrail' }))).toEqual({ kind: 'unreadable' });
  });

  it('property: no body makes the parsers throw; junk is undefined', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), (body) => {
      expect(() => parseEventBridgeNotice(body)).not.toThrow();
      expect(() => parseEc2Event(body)).not.toThrow();
      expect(() => parseInstanceAction(body)).not.toThrow();
      expect(() => parseRebalance(body)).not.toThrow();
      if (!body.includes('aws.ec2')) expect(parseEc2Event(body)).toEqual({ kind: 'unreadable' });
    }));
  });
});

describe('error mapping', () => {
  it('property: every capacity code is a CapacityError for the pool; any other code a ProviderError; cause kept', () => {
    const codes = fc.oneof(fc.constantFrom(...capacityErrorCodes), fc.stringMatching(/^[A-Z][A-Za-z.]{2,30}$/));
    fc.assert(fc.property(codes, (code) => {
      const cause = awsError(code);
      const mapped = toSefError(cause, 'RunInstances', { poolId: 'us-east-1a:c5.large' });
      expect(mapped).toBeInstanceOf(capacityErrorCodes.has(code) ? CapacityError : ProviderError);
      expect((mapped as Error).cause).toBe(cause);
    }));
  });

  it('an aborted call rejects with the signal reason, not a provider error', () => {
    const abort = new AbortController();
    const reason = new Error('deadline');
    abort.abort(reason);
    expect(toSefError(awsError('AbortError'), 'RunInstances', { signal: abort.signal })).toBe(reason);
  });
});
