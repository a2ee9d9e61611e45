import { expect } from 'vitest';
import type { SefConfig } from '../config/index.js';
import type { SourceReport, StoredPoint } from '../ports/types.js';

/** A timeline without its agent id, to compare two series that should hold the same points. */
export const shape = (points: readonly StoredPoint[]) =>
  points.map((p) => [p.timestamp, p.price, p.flag, p.source, p.primaryPrice, p.replicaPrice, p.replicaTimestamp]);

/** The source points the timeline must hold: one per (role, timestamp), with the lowest price sent. */
export function expectedSources(reports: readonly SourceReport[]): string[] {
  const lowest = new Map<string, number>();
  for (const r of reports) {
    const key = `${r.role}@${r.timestamp}`;
    lowest.set(key, Math.min(r.price, lowest.get(key) ?? Infinity));
  }
  return [...lowest].map(([k, p]) => `${k}=${p}`).sort();
}

/** The source points recovered from stored real points. */
export function storedSources(points: readonly StoredPoint[]): string[] {
  const out: string[] = [];
  for (const p of points) {
    if (p.primaryPrice !== null) out.push(`primary@${p.timestamp}=${p.primaryPrice}`);
    if (p.replicaPrice !== null) out.push(`replica@${p.replicaTimestamp ?? p.timestamp}=${p.replicaPrice}`);
  }
  return out.sort();
}

/**
 * The invariants of any stored timeline: one point per timestamp; twins within the time tolerance and
 * merged by the price rule; interpolated points exactly at t0 + k·step in gaps up to `interpolationMaxGap`,
 * on the line between their real neighbours (within rounding), and none in longer gaps.
 */
export function expectTimelineInvariants(points: readonly StoredPoint[], config: SefConfig): void {
  const real = points.filter((p) => p.flag !== 'interpolated');
  for (let i = 1; i < points.length; i++) expect(points[i]!.timestamp).toBeGreaterThan(points[i - 1]!.timestamp);
  for (const p of real) {
    if (p.source !== 'dual') continue;
    expect(Math.abs(p.timestamp - p.replicaTimestamp!)).toBeLessThanOrEqual(config.dualSourceTimeTolerance);
    const close = Math.abs(p.primaryPrice! - p.replicaPrice!) / p.primaryPrice! < config.dualSourcePriceTolerance;
    expect(p.flag).toBe(close ? 'verified_dual_source' : 'averaged_dual_source');
    if (close) expect(p.price).toBe(p.primaryPrice);
    else expect(Math.abs(p.price - (p.primaryPrice! + p.replicaPrice!) / 2)).toBeLessThanOrEqual(10 ** -config.pricePrecision);
  }
  const rounding = 10 ** -config.pricePrecision;
  const first = real[0]?.timestamp ?? Infinity;
  const last = real[real.length - 1]?.timestamp ?? -Infinity;
  expect(points.filter((p) => p.timestamp < first || p.timestamp > last)).toEqual([]);
  for (let i = 1; i < real.length; i++) {
    const a = real[i - 1]!;
    const b = real[i]!;
    const inside = points.filter((p) => p.timestamp > a.timestamp && p.timestamp < b.timestamp);
    const expected: number[] = [];
    if (b.timestamp - a.timestamp <= config.interpolationMaxGap) {
      for (let t = a.timestamp + config.interpolationStep; b.timestamp - t >= config.interpolationStep / 2; t += config.interpolationStep) expected.push(t);
    }
    expect(inside.map((p) => p.timestamp)).toEqual(expected);
    for (const p of inside) {
      expect(p.flag).toBe('interpolated');
      const line = a.price + ((b.price - a.price) * (p.timestamp - a.timestamp)) / (b.timestamp - a.timestamp);
      expect(Math.abs(p.price - line)).toBeLessThanOrEqual(rounding);
    }
  }
}
