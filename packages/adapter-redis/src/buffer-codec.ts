import type { Role, SeriesKey, SourceReport } from '@sef/core';

/** Role as one character in a buffer member. */
export const roleChar = (role: Role): string => (role === 'primary' ? 'p' : 'r');

/**
 * Decodes a buffer member `<role><timestamp>|<price>|<arrived ms>|<instanceId>` of `series` back into the
 * report it holds. The arrival time is the buffer's own and is dropped.
 */
export function decodeMember(series: SeriesKey, member: string): SourceReport {
  const p1 = member.indexOf('|');
  const p2 = member.indexOf('|', p1 + 1);
  const p3 = member.indexOf('|', p2 + 1);
  return {
    agentId: series.agentId,
    instanceId: member.slice(p3 + 1),
    poolId: series.poolId,
    timestamp: Number(member.slice(1, p1)),
    price: Number(member.slice(p1 + 1, p2)),
    role: member[0] === 'p' ? 'primary' : 'replica',
  };
}
