import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import type { PriceStore } from '../ports/price-store.js';
import type { Role, SourceReport } from '../ports/types.js';
import { storeReports } from '../timeline/index.js';
import { useContractSubject, type ContractOptions } from './contract.js';
import { gridStart } from './convergence-arbitraries.js';
import { expectTimelineInvariants, shape } from './convergence-checks.js';

const config = parseConfig();
const pool = 'us-east-1a:c5.large';
const price = fc.integer({ min: 1000, max: 9000 }).map((u) => u / 1e5);

/** Interpolation properties through `storeReports`: a real point beats an interpolated one, long gaps stay open. */
export function runConvergenceInterpolationContract(options: ContractOptions<PriceStore>): void {
  describe(`Timeline interpolation (${options.name})`, () => {
    let store: PriceStore;
    useContractSubject(options, (subject) => (store = subject));
    const runs = { numRuns: options.propertyRuns ?? 100 };
    const fresh = () => {
      const agentId = `interp-${randomUUID()}`;
      const at = (role: Role, offset: number, p: number): SourceReport => ({ agentId, poolId: pool, instanceId: `i-${role}`, role, timestamp: gridStart + offset, price: p });
      const timeline = () => store.timeline({ agentId, poolId: pool }, gridStart - 86_400, gridStart + 86_400);
      return { at, timeline };
    };

    it('replaces an interpolated point with a real one and recomputes the interpolated points around it', async () => {
      const arb = fc.record({
        gap: fc.integer({ min: 600, max: config.interpolationMaxGap }),
        p0: price,
        p1: price,
        pm: price,
        role: fc.constantFrom<Role>('primary', 'replica'),
        onGrid: fc.boolean(),
        where: fc.double({ min: 0.01, max: 0.99, noNaN: true }),
      });
      await fc.assert(
        fc.asyncProperty(arb, async ({ gap, p0, p1, pm, role, onGrid, where }) => {
          const slots = Math.max(1, Math.floor((gap - config.interpolationStep / 2) / config.interpolationStep));
          // Off the grid, still more than the time tolerance away from both ends (else it would be their twin).
          const tol = config.dualSourceTimeTolerance;
          const offset = onGrid ? config.interpolationStep * Math.min(slots, 1 + Math.floor(where * slots)) : tol + 1 + Math.round(where * (gap - 2 * tol - 2));
          const { at, timeline } = fresh();
          await storeReports(store, [at('primary', 0, p0), at('primary', gap, p1)], config);
          const before = await timeline();
          expectTimelineInvariants(before, config);
          if (onGrid) expect(before.find((p) => p.timestamp === gridStart + offset)?.flag).toBe('interpolated');
          await storeReports(store, [at(role, offset, pm)], config);
          const after = await timeline();
          expect(after.find((p) => p.timestamp === gridStart + offset)).toMatchObject({ price: pm, flag: 'single_source', source: role });
          expectTimelineInvariants(after, config);
          const again = fresh();
          await storeReports(store, [again.at('primary', 0, p0), again.at('primary', gap, p1), again.at(role, offset, pm)], config);
          expect(shape(after)).toEqual(shape(await again.timeline()));
        }),
        runs,
      );
    });

    it('leaves a gap longer than interpolationMaxGap open and reports it unfillable once', async () => {
      const arb = fc.record({ gap: fc.integer({ min: config.interpolationMaxGap + 1, max: 4 * config.interpolationMaxGap }), p0: price, p1: price });
      await fc.assert(
        fc.asyncProperty(arb, async ({ gap, p0, p1 }) => {
          const { at, timeline } = fresh();
          await storeReports(store, [at('primary', 0, p0)], config);
          const outcome = await storeReports(store, [at('primary', gap, p1)], config);
          expect((await timeline()).map((p) => [p.timestamp - gridStart, p.flag])).toEqual([[0, 'single_source'], [gap, 'single_source']]);
          expect(outcome.gapsUnfillable.map((g) => [g.from - gridStart, g.to - gridStart, g.length])).toEqual([[0, gap, gap]]);
          expect(outcome.gapsFilled).toEqual([]);
          const repeat = await storeReports(store, [at('primary', gap, p1)], config);
          expect([repeat.gapsDetected, repeat.gapsUnfillable, repeat.pointsWritten]).toEqual([[], [], 0]);
        }),
        runs,
      );
    });
  });
}
