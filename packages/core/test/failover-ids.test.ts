import { describe, expect, it } from 'vitest';
import { noticeId, replicaIdFor, stepToken, switchCauseId } from '../src/failover/ids.js';

// The ids that make notices exactly-once and cloud calls idempotent: their exact form matters, because
// other processes (and EC2, for tokens) must derive the very same string.
describe('failover ids', () => {
  it('a notice id names agent, instance, type and notice time', () => {
    expect(noticeId('a1', 'i-1', 'termination-notice', 1_767_225_600_000)).toBe('a1~i-1~term~1767225600000');
    expect(noticeId('a1', 'i-1', 'rebalance-recommendation', 5)).toBe('a1~i-1~rebal~5');
  });

  it('a step token is the cause and the step while it fits the 64 characters EC2 allows', () => {
    const cause = 'c'.repeat(57);
    expect(stepToken(cause, 'launch')).toBe(`${cause}:launch`); // 57 + 1 + 6 = 64 characters, the most that fits
    expect(stepToken('a1~i-1~term~5', 'launch')).toBe('a1~i-1~term~5:launch');
  });

  it('a longer one keeps its first 40 characters and a hash of the whole, so it stays under 64 and distinct', () => {
    const cause = 'c'.repeat(58);
    const token = stepToken(cause, 'launch');
    expect(token).toMatch(/^c{40}~[0-9a-f]{8}$/);
    expect(token).toBe(stepToken(cause, 'launch'));
    expect(stepToken(cause, 'launch2')).not.toBe(token);
    expect(stepToken(`${cause}x`, 'launch').slice(0, 41)).toBe(token.slice(0, 41));
    expect(stepToken(`${cause}x`, 'launch')).not.toBe(token);
  });

  it('the hash is 32-bit FNV-1a of the whole token', () => {
    // FNV-1a("ccc…c:launch") computed independently: offset basis 0x811c9dc5, prime 0x01000193.
    const whole = `${'c'.repeat(58)}:launch`;
    let h = 0x811c9dc5n;
    for (const ch of whole) h = ((h ^ BigInt(ch.charCodeAt(0))) * 0x01000193n) % 2n ** 32n;
    expect(stepToken('c'.repeat(58), 'launch')).toBe(`${'c'.repeat(40)}~${h.toString(16).padStart(8, '0')}`);
  });

  it('switch causes and replica ids are flat: the same length after any number of switches', () => {
    expect(switchCauseId('a1', 'i-2')).toBe('switch:a1:i-2');
    expect(replicaIdFor('a1~i-1~rebal~5')).toBe('a1~i-1~rebal~5:replica');
    expect(replicaIdFor(switchCauseId('a1', 'i-2'), 'next')).toBe('switch:a1:i-2:next');
  });
});
