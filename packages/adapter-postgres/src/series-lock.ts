import type { SeriesKey } from '@sef/core';

/** FNV-1a, 32 bits, as a signed int4: the advisory-lock key of a series. Collisions only serialize more. */
export function seriesLockKey(series: SeriesKey): number {
  let h = 0x811c9dc5;
  const s = `${series.agentId}\u0000${series.poolId}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** The distinct lock keys of `series`, ascending: every caller takes its locks in this order, so none deadlock. */
export function seriesLockKeys(series: readonly SeriesKey[]): number[] {
  return [...new Set(series.map(seriesLockKey))].sort((a, b) => a - b);
}
