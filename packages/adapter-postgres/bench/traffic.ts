// The ingest benchmark's traffic: series reporting every 300 s, with true gaps whose count is known and,
// optionally, runs of reports that arrive 1-6 h late (an agent's spool emptying after an outage).
import type { SourceReport } from '@sef/core';

export const start = 1_767_225_600; // 2026-01-01T00:00:00Z
export const step = 300;
/** Every `gapEvery` slices of a series, `gapSlots` reports are missing: a true gap of 2,700 s, unfillable. */
const gapEvery = 500;
const gapSlots = 8;
/** Per block of `lateBlock` slices of a series, one run of 1-9 consecutive reports (10 % on average) arrives late. */
const lateBlock = 50;

/** A deterministic integer hash (no Math.random: the same traffic every run). */
function hash(a: number, b: number, salt: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + salt, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}

export interface Traffic {
  /** Reports in arrival order. */
  readonly reports: SourceReport[];
  /** Reports that arrived late. */
  readonly late: number;
  /** Gaps longer than 1,800 s between consecutive reports of a series in the final data. */
  readonly trueUnfillableGaps: number;
}

/**
 * About `total` reports of `seriesCount` series, time slices interleaved as agents report. With `late`,
 * each series has per 50 slices one run of 1-9 reports delayed by 12-72 slices (1-6 h): runs of 7 or more
 * open a transient gap longer than 1,800 s until they arrive.
 */
export function traffic(total: number, seriesCount: number, late: boolean): Traffic {
  const slices = Math.ceil(total / seriesCount);
  const rows: { r: SourceReport; arrival: number; seq: number }[] = [];
  let lateCount = 0;
  let trueGaps = 0;
  for (let s = 0; s < seriesCount; s++) {
    let lastPresent = -1;
    for (let i = 0; i < slices; i++) {
      if ((i + s * 37) % gapEvery < gapSlots) continue;
      if (lastPresent >= 0 && (i - lastPresent) * step > 1800) trueGaps++;
      lastPresent = i;
      const block = Math.floor(i / lateBlock);
      const h = hash(s, block, 1);
      const length = 1 + (h % 9);
      const runStart = block * lateBlock + ((h >>> 8) % (lateBlock - length));
      const delay = 12 + ((h >>> 16) % 61);
      const isLate = late && i >= runStart && i < runStart + length;
      if (isLate) lateCount++;
      const r: SourceReport = {
        agentId: `agent-${s}`,
        instanceId: `i-${s}`,
        poolId: `us-east-1${'abcdef'[s % 6]}:c5.large`,
        timestamp: start + i * step,
        price: Math.round((0.03 + 0.02 * Math.sin((i * seriesCount + s) / 977)) * 1e6) / 1e6,
        role: 'primary',
      };
      rows.push({ r, arrival: isLate ? i + delay : i, seq: i * seriesCount + s });
    }
  }
  rows.sort((a, b) => a.arrival - b.arrival || a.seq - b.seq);
  return { reports: rows.map((x) => x.r), late: lateCount, trueUnfillableGaps: trueGaps };
}

/** The row the store writes for a lone primary report, as CSV for `\copy`. */
export const csvRow = (r: SourceReport) =>
  `${r.agentId},${r.poolId},${new Date(r.timestamp * 1000).toISOString()},${r.price},single_source,smart_emergency_fallback,primary,${r.price},,\n`;

/** `min / median / max` of repeated figures. */
export function spread(xs: readonly number[], show: (n: number) => string): string {
  const s = [...xs].sort((a, b) => a - b);
  return `${show(s[0]!)} / ${show(s[Math.floor(s.length / 2)]!)} / ${show(s.at(-1)!)}`;
}
