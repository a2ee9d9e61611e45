import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig, type SefConfig } from '../config/index.js';
import type { PriceStore } from '../ports/price-store.js';
import type { SourceReport, StoredPoint } from '../ports/types.js';
import { storeReports } from '../timeline/index.js';
import { useContractSubject, type ContractOptions } from './contract.js';
import { asAgent, cut, gridStart, seriesReports, timelineConfigs } from './convergence-arbitraries.js';
import { referenceTimeline, timelineRows } from './timeline-reference.js';

const pool = 'us-east-1a:c5.large';

/**
 * Late arrival in batches: the reports in timestamp order, cut into batches, and runs of consecutive
 * reports (an agent's spool emptying after an outage) or single ones held back and sent with a later
 * batch, or after all the others.
 */
const lateArrival = (reports: readonly SourceReport[]) => {
  const inOrder = [...reports].sort((a, b) => a.timestamp - b.timestamp);
  const n = inOrder.length;
  return fc
    .tuple(
      fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 6 }),
      fc.array(fc.record({ at: fc.nat(Math.max(0, n - 1)), length: fc.integer({ min: 1, max: 30 }), delay: fc.integer({ min: 1, max: 20 }) }), { minLength: 1, maxLength: 2 }),
      fc.array(fc.option(fc.integer({ min: 1, max: 20 }), { freq: 4 }), { minLength: n, maxLength: n }),
    )
    .map(([sizes, runs, single]) => {
      const delays = single.map((d) => d ?? 0);
      for (const run of runs) for (let i = run.at; i < Math.min(n, run.at + run.length); i++) delays[i] = Math.max(delays[i]!, run.delay);
      const batches = cut(
        inOrder.map((r, i) => ({ r, i })),
        sizes,
      );
      const out: SourceReport[][] = batches.map(() => []);
      batches.forEach((b, k) => {
        for (const { r, i } of b) out[Math.min(out.length - 1, k + delays[i]!)]!.push(r);
      });
      return out.filter((b) => b.length > 0);
    });
};

/** The unfillable gaps of a stored timeline: consecutive real points further apart than `interpolationMaxGap`. */
function unfillableGaps(points: readonly StoredPoint[], config: SefConfig): string[] {
  const real = points.filter((p) => p.flag !== 'interpolated');
  const out: string[] = [];
  for (let i = 1; i < real.length; i++) {
    const from = real[i - 1]!.timestamp;
    const to = real[i]!.timestamp;
    if (to - from > config.interpolationMaxGap) out.push(`${from}-${to}`);
  }
  return out;
}

/**
 * The unfillable-gap alerts of issue 15 through `storeReports`: an alert is raised when an unfillable gap
 * is stored and retracted when late reports fill it, so the alerts standing after any arrival order are
 * exactly those of the stored set: late arrival never leaves an alert that in-order arrival would not.
 */
export function runConvergenceGapAlertContract(options: ContractOptions<PriceStore>): void {
  describe(`Unfillable-gap alerts under late arrival (${options.name})`, () => {
    let store: PriceStore;
    useContractSubject(options, (subject) => (store = subject));
    const runs = { numRuns: options.propertyRuns ?? 100 };

    /** Stores the batches one after the other under a fresh agent; returns the alerts standing and the timeline. */
    const deliver = async (batches: readonly (readonly SourceReport[])[], config: SefConfig) => {
      const agentId = `alerts-${randomUUID()}`;
      const standing = new Map<string, number>();
      for (const b of batches) {
        const outcome = await storeReports(store, asAgent(b, agentId), config);
        // Retractions are applied first, as the events go out (sef/outcome.ts).
        for (const g of outcome.gapsRetracted) standing.set(`${g.from}-${g.to}`, (standing.get(`${g.from}-${g.to}`) ?? 0) - 1);
        for (const g of outcome.gapsUnfillable) standing.set(`${g.from}-${g.to}`, (standing.get(`${g.from}-${g.to}`) ?? 0) + 1);
        // Never a retraction of an alert not raised, never a second alert for one gap.
        for (const n of standing.values()) expect(n === 0 || n === 1).toBe(true);
      }
      const timeline = await store.timeline({ agentId, poolId: pool }, gridStart - 86_400, gridStart + 86_400);
      return { standing: [...standing].filter(([, n]) => n === 1).map(([k]) => k).sort(), timeline };
    };

    const property = (config: SefConfig, reports: readonly SourceReport[], late: readonly (readonly SourceReport[])[]) =>
      (async () => {
        const inOrder = await deliver(
          [...reports].sort((a, b) => a.timestamp - b.timestamp).map((r) => [r]),
          config,
        );
        const lateRun = await deliver(late, config);
        const truth = unfillableGaps(inOrder.timeline, config).sort();
        expect(lateRun.standing).toEqual(inOrder.standing);
        expect(inOrder.standing).toEqual(truth);
        expect(timelineRows(lateRun.timeline)).toEqual(referenceTimeline(reports, config));
      })();

    it('leaves standing only the unfillable-gap alerts that in-order arrival of the same reports raises', async () => {
      const config = parseConfig();
      const arb = seriesReports.chain((reports) => fc.tuple(fc.constant(reports), lateArrival(reports)));
      await fc.assert(
        fc.asyncProperty(arb, ([reports, late]) => property(config, reports, late)),
        runs,
      );
    });

    it('does so under any valid configuration (late stretches read apart or joined)', async () => {
      const arb = fc.tuple(timelineConfigs, seriesReports).chain(([c, reports]) => fc.tuple(fc.constant(c), fc.constant(reports), lateArrival(reports)));
      await fc.assert(
        fc.asyncProperty(arb, ([c, reports, late]) => property(c, reports, late)),
        runs,
      );
    });
  });
}
