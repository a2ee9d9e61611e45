import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** SHA-256 of a token, hex: what is stored (`AgentRecord.tokenHash`), never the token itself. */
export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** A fresh random secret, URL-safe, 32 bytes of entropy. */
export const randomSecret = (): string => randomBytes(32).toString('base64url');

/**
 * An agent token names its agent so the server can tell "another agent's token" (403) from "no valid
 * token" (401) without searching every hash: `<agentId>.<secret>`. The secret has no dot.
 */
export const newAgentToken = (agentId: string): string => `${agentId}.${randomSecret()}`;

/** The agent a token claims to belong to; undefined when it is not an agent token. */
export function claimedAgent(token: string): string | undefined {
  const dot = token.lastIndexOf('.');
  return dot > 0 ? token.slice(0, dot) : undefined;
}

/** Constant-time comparison of a presented token with a stored hash (both hashed to equal length first). */
export function tokenMatchesHash(token: string, storedHash: string): boolean {
  const presented = Buffer.from(hashToken(token), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}

/** Constant-time comparison of two secrets of any length. */
export function secretsEqual(presented: string, expected: string): boolean {
  return tokenMatchesHash(presented, hashToken(expected));
}

/** The bearer token of an `Authorization` header, if any. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}
