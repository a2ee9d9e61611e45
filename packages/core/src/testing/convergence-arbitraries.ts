import fc from 'fast-check';
import { parseConfig } from '../config/index.js';
import type { Role, SourceReport } from '../ports/types.js';

/** 2026-01-01T00:00:00Z: the grid of the generated series starts here. */
export const gridStart = Date.UTC(2026, 0, 1) / 1000;
/** The agents' reporting interval. */
export const gridStep = 300;

const jitter = fc.integer({ min: -45, max: 45 }); // up to and beyond the 30 s time tolerance
const present = fc.oneof({ weight: 4, arbitrary: jitter }, { weight: 1, arbitrary: fc.constant(null) });

const rare = fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: jitter });

const slot = fc.record({
  primary: present,
  replica: present,
  /** A second report in the same slot (an agent retrying with a fresh timestamp): chains of near twins. */
  extraPrimary: rare,
  extraReplica: rare,
  /** Price walk of the observation, in 1e-5 USD. */
  drift: fc.integer({ min: -200, max: 200 }),
  /** The replica's deviation, in 0.01 % of the price: below and above the 0.5 % tolerance. */
  noise: fc.integer({ min: -100, max: 100 }),
});

/**
 * One series' source reports: observations on a 300 s grid from the primary and the replica, each with its
 * own jitter, some missing, and a hole of up to 8 slots (gaps below and above 1800 s); plus resends with a
 * different price (the store keeps the lowest).
 */
export const seriesReports = fc
  .record({
    slots: fc.array(slot, { minLength: 1, maxLength: 14 }),
    hole: fc.record({ at: fc.nat(14), length: fc.nat(8) }),
    conflicts: fc.array(fc.record({ index: fc.nat(), delta: fc.integer({ min: -300, max: 300 }) }), { maxLength: 3 }),
  })
  .map(({ slots, hole, conflicts }) => {
    const out: SourceReport[] = [];
    let units = 5000;
    slots.forEach((s, k) => {
      units = Math.max(100, units + s.drift);
      if (k >= hole.at && k < hole.at + hole.length) return;
      const base = gridStart + k * gridStep;
      if (s.primary !== null) out.push(report('primary', base + s.primary, units / 1e5));
      const replicaPrice = Math.round(units * (1 + s.noise / 10_000)) / 1e5;
      if (s.replica !== null) out.push(report('replica', base + s.replica, replicaPrice));
      if (s.extraPrimary !== null) out.push(report('primary', base + s.extraPrimary, (units + 7) / 1e5));
      if (s.extraReplica !== null) out.push(report('replica', base + s.extraReplica, replicaPrice));
    });
    for (const c of out.length > 0 ? conflicts : []) {
      const r = out[c.index % out.length]!;
      out.push({ ...r, price: Math.max(1, Math.round(r.price * 1e5) + c.delta) / 1e5 });
    }
    return out;
  });

function report(role: Role, timestamp: number, price: number): SourceReport {
  return { agentId: 'x', poolId: 'us-east-1a:c5.large', instanceId: `i-${role}`, role, timestamp, price };
}

/** The same reports under another agent id, so that each run writes its own series. */
export const asAgent = (reports: readonly SourceReport[], agentId: string): SourceReport[] => reports.map((r) => ({ ...r, agentId }));

/** A delivery of `reports`: shuffled, some sent twice, cut into batches. */
export const deliveries = (reports: readonly SourceReport[]) =>
  fc
    .tuple(fc.subarray([...reports]), fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 8 }))
    .chain(([repeats, cuts]) => {
      const all = [...reports, ...repeats];
      return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }).map((order) => cut(order, cuts));
    });

/** Cuts a list into batches of the given sizes (cycled). */
export function cut<T>(list: readonly T[], sizes: readonly number[]): T[][] {
  const out: T[][] = [];
  for (let i = 0, c = 0; i < list.length; c++) {
    const n = sizes[c % sizes.length] ?? 1;
    out.push(list.slice(i, i + n));
    i += n;
  }
  return out;
}

/**
 * Reports crowded into a few time tolerances (chains of near twins, 1 to 6 s apart on average), the case
 * that tests the locality of the pairing: every report may change the twins of its neighbours.
 */
export const crowdedReports = crowded(1);

/**
 * Like {@link crowdedReports} but never fewer than 20 reports in the 240 s: sent one at a time, about 3 in 10
 * such sets need the re-pairing's full locality margin (a new report takes the twin of a point up to two
 * tolerances away), where sparse sets need it about 1 in 40 times.
 */
export const denseCrowdedReports = crowded(20);

function crowded(minLength: number) {
  return fc
    .uniqueArray(
      fc.record({ role: fc.constantFrom<Role>('primary', 'replica'), offset: fc.integer({ min: 0, max: 240 }), units: fc.integer({ min: 4900, max: 5100 }) }),
      { selector: (r) => `${r.role}@${r.offset}`, minLength, maxLength: 40 },
    )
    .map((rs) => rs.map((r) => report(r.role, gridStart + r.offset, r.units / 1e5)));
}

/**
 * Random valid timeline configurations: steps of 1 to 20 minutes, a time tolerance anywhere below half a step
 * (from none to wider than the reports' jitter), gaps filled up to 1 to 8 steps, price tolerances from 0 to
 * 5 %, and 2 to 10 decimals. Validated by `parseConfig`, so each is one a user could set.
 */
export const timelineConfigs = fc
  .record({
    step: fc.constantFrom(60, 120, 300, 600, 1200),
    tolShare: fc.double({ min: 0, max: 0.49, noNaN: true }),
    maxGapSteps: fc.integer({ min: 1, max: 8 }),
    priceTolerance: fc.constantFrom(0, 0.001, 0.005, 0.02, 0.05),
    precision: fc.integer({ min: 2, max: 10 }),
  })
  .map(({ step, tolShare, maxGapSteps, priceTolerance, precision }) =>
    parseConfig({
      interpolationStep: step,
      dualSourceTimeTolerance: Math.floor(step * tolShare),
      interpolationMaxGap: step * maxGapSteps,
      gapDetectionThreshold: step * 2,
      dualSourcePriceTolerance: priceTolerance,
      pricePrecision: precision,
    }),
  );
