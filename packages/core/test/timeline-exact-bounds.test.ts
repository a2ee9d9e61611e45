import { describe, expect, it } from 'vitest';
import type { QualityFlag, StoredPoint } from '../src/ports/types.js';
import { deriveSeriesChange } from '../src/timeline/derive-window.js';
import { samePoint } from '../src/timeline/diff.js';
import { reportNewGaps, reportRetractedGaps } from '../src/timeline/gaps.js';
import { mergePair } from '../src/timeline/merge.js';
import { emptyOutcome } from '../src/timeline/outcome.js';

// Exact examples for rules whose bounds the convergence properties rarely hit (found by mutation testing
// of src/timeline, issue 18): each test names the mutant it kills.
const series = { agentId: 'a1', poolId: 'us-east-1a:c5.large' };
const config = { gapDetectionThreshold: 600, interpolationMaxGap: 1800, interpolationStep: 300, dualSourcePriceTolerance: 0.005, dualSourceTimeTolerance: 30, pricePrecision: 6 };

const point = (timestamp: number, flag: QualityFlag = 'single_source', price = 0.05): StoredPoint => ({
  ...series, timestamp, price, flag, source: flag === 'interpolated' ? 'interpolated' : 'primary', primaryPrice: flag === 'interpolated' ? null : price, replicaPrice: null, replicaTimestamp: null,
});
const interpolated = (timestamp: number) => point(timestamp, 'interpolated');
const span = (g: { from: number; to: number }) => `${g.from}-${g.to}`;

function newGaps(stored: StoredPoint[], real: StoredPoint[], upsert: StoredPoint[]) {
  const outcome = emptyOutcome();
  reportNewGaps(series, stored, real, upsert, config, outcome);
  return { detected: outcome.gapsDetected.map(span), filled: outcome.gapsFilled.map((g) => `${span(g)}:${g.points}`), unfillable: outcome.gapsUnfillable.map(span) };
}

describe('samePoint: a row is the same only when every stored field is', () => {
  it('differs in any one field', () => {
    const a: StoredPoint = { ...point(1000), source: 'dual', flag: 'verified_dual_source', primaryPrice: 0.05, replicaPrice: 0.0501, replicaTimestamp: 1003 };
    expect(samePoint(a, { ...a })).toBe(true);
    const changes: Partial<StoredPoint>[] = [
      { timestamp: 1001 }, { price: 0.06 }, { flag: 'averaged_dual_source' }, { source: 'primary' }, { primaryPrice: 0.051 }, { replicaPrice: 0.05 }, { replicaTimestamp: 1002 },
    ];
    for (const change of changes) expect([change, samePoint(a, { ...a, ...change })]).toEqual([change, false]);
  });
});

describe('new gaps: reported once, when they appear, with exact bounds', () => {
  it('a stored gap filled with interpolated points is not reported again when a later point is appended', () => {
    // Kills skipping the interpolated points between two stored real points (the loop over `n`).
    const stored = [point(0), interpolated(300), interpolated(600), interpolated(900), point(1200)];
    expect(newGaps(stored, [point(0), point(1200), point(1900)], [interpolated(1500), point(1900)])).toEqual({ detected: ['1200-1900'], filled: ['1200-1900:1'], unfillable: [] });
  });

  it('two points appended past everything stored: both gaps are new (the walk runs off the stored points)', () => {
    expect(newGaps([point(0)], [point(0), point(700), point(2700)], [interpolated(300), point(700), point(2700)])).toEqual({ detected: ['0-700', '700-2700'], filled: ['0-700:1'], unfillable: ['700-2700'] });
  });

  it('a gap of exactly interpolationMaxGap is filled, not unfillable; one just over it is unfillable', () => {
    const filled = [interpolated(300), interpolated(600), interpolated(900), interpolated(1200), interpolated(1500)];
    expect(newGaps([], [point(0), point(1800)], [point(0), ...filled, point(1800)])).toEqual({ detected: ['0-1800'], filled: ['0-1800:5'], unfillable: [] });
    expect(newGaps([], [point(0), point(1801)], [point(0), point(1801)])).toEqual({ detected: ['0-1801'], filled: [], unfillable: ['0-1801'] });
  });

  it('a new gap into which nothing was interpolated is not reported filled', () => {
    // 400 s: too short for a point half a step before its end (300 + 150 > 400).
    expect(newGaps([], [point(0), point(400)], [point(0), point(400)])).toEqual({ detected: [], filled: [], unfillable: [] });
  });
});

describe('retracted gaps: only gaps that were unfillable', () => {
  it('a late point inside a stored gap of exactly interpolationMaxGap retracts nothing (it was fillable); inside a longer one it retracts it', () => {
    const retracted = (stored: StoredPoint[], real: StoredPoint[]) => {
      const outcome = emptyOutcome();
      reportRetractedGaps(series, stored, real, config, outcome);
      return outcome.gapsRetracted.map(span);
    };
    expect(retracted([point(0), interpolated(900), point(1800)], [point(0), point(900), point(1800)])).toEqual([]);
    expect(retracted([point(0), point(1801)], [point(0), point(900), point(1801)])).toEqual(['0-1801']);
  });
});

describe('dual-source merge at the tolerance', () => {
  it('a relative difference of exactly the tolerance is averaged (the spec: verified when the difference is < 0.5 %)', () => {
    // |200 − 201| / 200 is exactly 0.005 in binary floating point.
    expect(mergePair(series, { timestamp: 0, price: 200 }, { timestamp: 2, price: 201 }, config)).toMatchObject({ flag: 'averaged_dual_source', price: 200.5 });
    expect(mergePair(series, { timestamp: 0, price: 200 }, { timestamp: 2, price: 200.99 }, config)).toMatchObject({ flag: 'verified_dual_source', price: 200 });
  });
});

describe('merge events name the flag of the point written', () => {
  it('a verified pair is reported verified, an averaged one averaged', () => {
    const report = (role: 'primary' | 'replica', timestamp: number, price: number) => ({ ...series, instanceId: `i-${role}`, role, timestamp, price });
    const merged = (replicaPrice: number) => {
      const outcome = emptyOutcome();
      deriveSeriesChange({ series, left: 0, right: 2000, points: [] }, [report('primary', 1000, 0.05), report('replica', 1002, replicaPrice)], config, outcome);
      return outcome.merged.map((m) => [m.flag, m.price]);
    };
    expect(merged(0.05001)).toEqual([['verified_dual_source', 0.05]]);
    expect(merged(0.06)).toEqual([['averaged_dual_source', 0.055]]);
  });
});
