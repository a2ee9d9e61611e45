import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import type { PriceStore } from '../ports/price-store.js';
import type { SourceReport } from '../ports/types.js';
import { storeReports } from '../timeline/index.js';
import { useContractSubject, type ContractOptions } from './contract.js';
import type { SefConfig } from '../config/index.js';
import { asAgent, crowdedReports, cut, deliveries, denseCrowdedReports, gridStart, seriesReports, timelineConfigs } from './convergence-arbitraries.js';
import { expectedSources, expectTimelineInvariants, shape, storedSources } from './convergence-checks.js';
import { runConvergenceGapAlertContract } from './convergence-gap-alerts.js';
import { runConvergenceInterpolationContract } from './convergence-interpolation.js';
import { referenceTimeline, timelineRows } from './timeline-reference.js';

const config = parseConfig();
const pool = 'us-east-1a:c5.large';
/** Every generated timestamp lies well inside this range. */
const span = [gridStart - 86_400, gridStart + 86_400] as const;

/**
 * The convergence properties of issue 2, through `storeReports` against the given store: the stored
 * timeline is a function of the SET of reports, whatever their order, batching, repetition or concurrency,
 * and a twin that comes late changes nothing in the end; interpolation properties in
 * `convergence-interpolation`. Every property also compares the stored timeline with
 * `referenceTimeline`, the rules computed from scratch, so a store that is consistent but wrong fails too.
 *
 * Run counts: the one-report-at-a-time property over crowded reports is the one that catches a wrong
 * locality margin in the re-pairing (a stored point outside the recomputed range keeps a stale twin); it
 * fails within its first runs for such a mutant (measured: 20 of 20 runs of the suite at 25 runs, see the
 * core README), so adapters may lower `propertyRuns` for the other properties but it keeps at least 25.
 * @example
 * runConvergenceContract({ name: 'postgres', propertyRuns: 20, setup: async () => ({ subject: storage.prices, teardown }) });
 */
export function runConvergenceContract(options: ContractOptions<PriceStore>): void {
  describe(`Timeline convergence (${options.name})`, () => {
    let store: PriceStore;
    useContractSubject(options, (subject) => (store = subject));
    const runs = { numRuns: options.propertyRuns ?? 100 };

    const localityRuns = { numRuns: Math.max(25, options.propertyRuns ?? 100) };

    /** Stores the reports in one batch under a fresh agent and returns that timeline. */
    const oneBatch = async (reports: readonly SourceReport[], c: SefConfig = config) => {
      const agentId = `once-${randomUUID()}`;
      await storeReports(store, asAgent(reports, agentId), c);
      return store.timeline({ agentId, poolId: pool }, ...span);
    };
    const delivered = async (batches: readonly (readonly SourceReport[])[], concurrent: boolean, c: SefConfig = config) => {
      const agentId = `split-${randomUUID()}`;
      const mine = batches.map((b) => asAgent(b, agentId));
      if (concurrent) await Promise.all(mine.map((b) => storeReports(store, b, c)));
      else for (const b of mine) await storeReports(store, b, c);
      return store.timeline({ agentId, poolId: pool }, ...span);
    };

    it('stores the same timeline for any order, batching, repetition and concurrency of one set of reports', async () => {
      const arb = seriesReports.chain((reports) => fc.tuple(fc.constant(reports), deliveries(reports), fc.boolean()));
      await fc.assert(
        fc.asyncProperty(arb, async ([reports, batches, concurrent]) => {
          const reference = await oneBatch(reports);
          const split = await delivered(batches, concurrent);
          expect(timelineRows(split)).toEqual(referenceTimeline(reports, config));
          expect(shape(split)).toEqual(shape(reference));
          expect(storedSources(reference)).toEqual(expectedSources(reports));
          expectTimelineInvariants(reference, config);
        }),
        runs,
      );
    });

    it('converges for reports crowded within a few time tolerances (chains of near twins)', async () => {
      const arb = crowdedReports.chain((reports) => fc.tuple(fc.constant(reports), deliveries(reports)));
      await fc.assert(
        fc.asyncProperty(arb, async ([reports, batches]) => {
          const reference = await oneBatch(reports);
          const split = await delivered(batches, false);
          expect(timelineRows(split)).toEqual(referenceTimeline(reports, config));
          expect(shape(split)).toEqual(shape(reference));
          expect(storedSources(reference)).toEqual(expectedSources(reports));
          expectTimelineInvariants(reference, config);
        }),
        runs,
      );
    });

    it('holds the reference timeline when crowded reports come one at a time (the locality of re-pairing)', async () => {
      await fc.assert(
        fc.asyncProperty(denseCrowdedReports, async (reports) => {
          expect(timelineRows(await delivered(cut(reports, [1]), false))).toEqual(referenceTimeline(reports, config));
        }),
        localityRuns,
      );
      // One storeReports call per report: against a real server this is the suite's longest property.
    }, 120_000);

    it('holds the reference timeline under any valid configuration, however the reports come', async () => {
      const arb = fc.tuple(timelineConfigs, seriesReports).chain(([c, reports]) => fc.tuple(fc.constant(c), fc.constant(reports), deliveries(reports)));
      await fc.assert(
        fc.asyncProperty(arb, async ([c, reports, batches]) => {
          const split = await delivered(batches, false, c);
          expect(timelineRows(split)).toEqual(referenceTimeline(reports, c));
          expectTimelineInvariants(split, c);
        }),
        runs,
      );
    });

    it('ends the same when every replica report comes after all primaries (late twins)', async () => {
      const arb = seriesReports.chain((reports) => fc.tuple(fc.constant(reports), fc.shuffledSubarray(reports, { minLength: reports.length, maxLength: reports.length })));
      await fc.assert(
        fc.asyncProperty(arb, async ([reports, order]) => {
          const primariesFirst = [...order.filter((r) => r.role === 'primary'), ...order.filter((r) => r.role === 'replica')];
          const apart = await delivered(primariesFirst.map((r) => [r]), false);
          expect(timelineRows(apart)).toEqual(referenceTimeline(reports, config));
          expect(shape(apart)).toEqual(shape(await oneBatch(reports)));
        }),
        runs,
      );
    });
  });
  runConvergenceInterpolationContract(options);
  runConvergenceGapAlertContract(options);
}
