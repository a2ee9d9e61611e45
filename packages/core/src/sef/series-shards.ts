import type { SourceReport } from '../ports/types.js';
import { groupBySeries } from '../timeline/index.js';

/**
 * Splits reports into at most `groups` groups of whole series (every report of a series in one group,
 * in its order), balanced by report count: each group can be stored on its own, at the same time.
 */
export function splitBySeries(reports: readonly SourceReport[], groups: number): (readonly SourceReport[])[] {
  if (groups <= 1 || reports.length < 2) return [reports];
  const series = groupBySeries(reports);
  if (series.length === 1) return [reports];
  const n = Math.min(groups, series.length);
  const out: SourceReport[][] = Array.from({ length: n }, () => []);
  // Largest series first, each to the smallest group so far.
  series.sort((a, b) => b.reports.length - a.reports.length);
  for (const s of series) {
    let smallest = 0;
    for (let i = 1; i < n; i++) if (out[i]!.length < out[smallest]!.length) smallest = i;
    for (const r of s.reports) out[smallest]!.push(r);
  }
  return out;
}

/** A report's identity: the same report (series, role, time, price, instance) has the same key. */
export const reportKey = (r: SourceReport): string => `${r.agentId}\u0000${r.poolId}\u0000${r.role}\u0000${r.timestamp}\u0000${r.price}\u0000${r.instanceId}`;
