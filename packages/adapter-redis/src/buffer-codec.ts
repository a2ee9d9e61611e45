import type { Role, SeriesKey, SourceReport } from '@sef/core';

/** Role as one character in a packed report. */
export const roleChar = (role: Role): string => (role === 'primary' ? 'p' : 'r');

/**
 * A report as it waits in Redis: `<role><timestamp>|<price>|<arrived ms>|<n>:<instanceId>`, `n` the
 * instance id's length in bytes, so that any id can be cut out again.
 */
export function packWaiting(r: SourceReport, arrived: string): string {
  return `${roleChar(r.role)}${r.timestamp}|${r.price}|${arrived}|${Buffer.byteLength(r.instanceId)}:${r.instanceId}`;
}

/**
 * Decodes a waiting entry `<role><timestamp>|<price>|<arrived ms>|<n>:<instanceId>` of `series` back
 * into the report it holds. The arrival time is the buffer's own and is dropped.
 */
export function decodeEntry(series: SeriesKey, entry: string): SourceReport {
  const p1 = entry.indexOf('|');
  const p2 = entry.indexOf('|', p1 + 1);
  const p3 = entry.indexOf('|', p2 + 1);
  const colon = entry.indexOf(':', p3 + 1);
  return {
    agentId: series.agentId,
    instanceId: entry.slice(colon + 1),
    poolId: series.poolId,
    timestamp: Number(entry.slice(1, p1)),
    price: Number(entry.slice(p1 + 1, p2)),
    role: entry[0] === 'p' ? 'primary' : 'replica',
  };
}
