import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bearerToken, claimedAgent, hashToken, newAgentToken, secretsEqual, tokenMatchesHash } from '../src/http/tokens.js';

describe('agent tokens', () => {
  it('a token is stored as its SHA-256 hash and matches only itself', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64 }), fc.string({ minLength: 1, maxLength: 64 }), (a, b) => {
        const hash = hashToken(a);
        expect(hash).toMatch(/^[0-9a-f]{64}$/);
        expect(tokenMatchesHash(a, hash)).toBe(true);
        expect(tokenMatchesHash(b, hash)).toBe(a === b);
      }),
    );
  });

  it('the stored hash does not contain the secret', () => {
    const token = newAgentToken('a1');
    const secret = token.split('.').at(-1)!;
    expect(secret.length).toBeGreaterThanOrEqual(43);
    expect(hashToken(token)).not.toContain(secret);
  });

  it('a token names its agent, whatever dots the agent id has', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,40}$/), (id) => {
        const token = newAgentToken(id);
        expect(claimedAgent(token)).toBe(id);
        expect(newAgentToken(id)).not.toBe(token);
      }),
    );
  });

  it('a stored hash that is not a hash never matches (no throw on bad length)', () => {
    expect(tokenMatchesHash('x', 'abc')).toBe(false);
    expect(tokenMatchesHash('x', '')).toBe(false);
  });

  it('secrets of different lengths compare without throwing', () => {
    expect(secretsEqual('short', 'a-much-longer-secret')).toBe(false);
    expect(secretsEqual('same', 'same')).toBe(true);
  });

  it('reads a bearer token and nothing else', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer  xyz ')).toBe('xyz');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
