import type { BufferPolicy } from '../ports/dedupe-buffer.js';
import type { Role, SourceReport } from '../ports/types.js';

/** The spec's window (300 s) and the default time tolerance (30 s). */
export const policy: BufferPolicy = { timeTolerance: 30, windowMs: 300_000 };

export const report = (role: Role, timestamp: number, price: number, agentId = 'a1', poolId = 'us-east-1a:c5.large'): SourceReport => ({
  agentId,
  poolId,
  instanceId: `i-${agentId}-${role}`,
  timestamp,
  price,
  role,
});

/** Orders released reports so that results can be compared regardless of release order. */
export const sorted = (rs: readonly SourceReport[]): SourceReport[] =>
  [...rs].sort((a, b) => a.agentId.localeCompare(b.agentId) || a.poolId.localeCompare(b.poolId) || a.timestamp - b.timestamp || a.role.localeCompare(b.role));
