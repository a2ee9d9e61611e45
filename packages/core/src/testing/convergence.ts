import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import type { PriceStore } from '../ports/price-store.js';
import type { SourceReport } from '../ports/types.js';
import { storeReports } from '../timeline/index.js';
import { useContractSubject, type ContractOptions } from './contract.js';
import { asAgent, crowdedReports, deliveries, gridStart, seriesReports } from './convergence-arbitraries.js';
import { expectedSources, expectTimelineInvariants, shape, storedSources } from './convergence-checks.js';
import { runConvergenceInterpolationContract } from './convergence-interpolation.js';

const config = parseConfig();
const pool = 'us-east-1a:c5.large';
/** Every generated timestamp lies well inside this range. */
const span = [gridStart - 86_400, gridStart + 86_400] as const;

/**
 * The convergence properties of issue 2, through `storeReports` against the given store: the stored
 * timeline is a function of the SET of reports, whatever their order, batching, repetition or concurrency,
 * and a twin that comes late changes nothing in the end; interpolation properties in
 * `convergence-interpolation`.
 * @example
 * runConvergenceContract({ name: 'postgres', propertyRuns: 20, setup: async () => ({ subject: storage.prices, teardown }) });
 */
export function runConvergenceContract(options: ContractOptions<PriceStore>): void {
  describe(`Timeline convergence (${options.name})`, () => {
    let store: PriceStore;
    useContractSubject(options, (subject) => (store = subject));
    const runs = { numRuns: options.propertyRuns ?? 100 };

    /** Stores the reports in one batch under a fresh agent and returns that timeline. */
    const oneBatch = async (reports: readonly SourceReport[]) => {
      const agentId = `once-${randomUUID()}`;
      await storeReports(store, asAgent(reports, agentId), config);
      return store.timeline({ agentId, poolId: pool }, ...span);
    };
    const delivered = async (batches: readonly (readonly SourceReport[])[], concurrent: boolean) => {
      const agentId = `split-${randomUUID()}`;
      const mine = batches.map((b) => asAgent(b, agentId));
      if (concurrent) await Promise.all(mine.map((b) => storeReports(store, b, config)));
      else for (const b of mine) await storeReports(store, b, config);
      return store.timeline({ agentId, poolId: pool }, ...span);
    };

    it('stores the same timeline for any order, batching, repetition and concurrency of one set of reports', async () => {
      const arb = seriesReports.chain((reports) => fc.tuple(fc.constant(reports), deliveries(reports), fc.boolean()));
      await fc.assert(
        fc.asyncProperty(arb, async ([reports, batches, concurrent]) => {
          const reference = await oneBatch(reports);
          const split = await delivered(batches, concurrent);
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
          expect(shape(await delivered(batches, false))).toEqual(shape(reference));
          expect(storedSources(reference)).toEqual(expectedSources(reports));
          expectTimelineInvariants(reference, config);
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
          expect(shape(apart)).toEqual(shape(await oneBatch(reports)));
        }),
        runs,
      );
    });
  });
  runConvergenceInterpolationContract(options);
}
