import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DedupeBuffer } from '../ports/dedupe-buffer.js';
import type { SourceReport } from '../ports/types.js';
import { useContractSubject, type ContractOptions } from './contract.js';
import { policy, report, sorted } from './dedupe-buffer-fixtures.js';

/** Distinct (series, role, timestamp) reports, so that no report may be collapsed into another. */
const reportsArb = fc
  .uniqueArray(
    fc.record({
      agent: fc.constantFrom('a1', 'a2'),
      role: fc.constantFrom('primary' as const, 'replica' as const),
      ts: fc.integer({ min: 0, max: 40 }).map((k) => 1000 + k * 25),
      price: fc.integer({ min: 1, max: 1000 }).map((c) => c / 1000),
    }),
    { selector: (r) => `${r.agent}|${r.role}|${r.ts}`, maxLength: 40 },
  )
  .map((rs) => rs.map((r) => report(r.role, r.ts, r.price, r.agent)));

/** fast-check properties of the {@link DedupeBuffer}: nothing lost, nothing released twice, pairs are twins. */
export function runDedupeBufferPropertyContract(options: ContractOptions<DedupeBuffer>): void {
  describe(`DedupeBuffer properties (${options.name})`, () => {
    let buffer: DedupeBuffer;
    useContractSubject(options, (subject) => (buffer = subject));

    it('releases every report exactly once, whatever the batching and sweeps, and pairs only twins', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(reportsArb, fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 10 }), fc.boolean(), async (rs, cuts, concurrent) => {
          // Each run gets its own agents, so runs on one subject do not meet.
          const tag = `r${run++}-`;
          const mine = rs.map((r) => ({ ...r, agentId: tag + r.agentId, instanceId: tag + r.instanceId }));
          const batches: SourceReport[][] = [];
          for (let i = 0, c = 0; i < mine.length; c++) {
            const n = cuts[c % cuts.length]!;
            batches.push(mine.slice(i, i + n));
            i += n;
          }
          const adds = concurrent
            ? await Promise.all(batches.map((b, i) => buffer.add(b, i * 1000, policy)))
            : await batches.reduce<Promise<SourceReport[][]>>(async (acc, b, i) => [...(await acc), await buffer.add(b, i * 1000, policy)], Promise.resolve([]));
          for (const released of adds) {
            // Released as twins: per series as many primaries as replicas, each with a partner in tolerance.
            const balance = new Map<string, number>();
            for (const r of released) {
              const key = `${r.agentId}|${r.poolId}`;
              balance.set(key, (balance.get(key) ?? 0) + (r.role === 'primary' ? 1 : -1));
              const partner = released.some(
                (o) => o.agentId === r.agentId && o.poolId === r.poolId && o.role !== r.role && Math.abs(o.timestamp - r.timestamp) <= policy.timeTolerance,
              );
              expect(partner).toBe(true);
            }
            for (const b of balance.values()) expect(b).toBe(0);
          }
          const expired = await buffer.releaseExpired(batches.length * 1000 + policy.windowMs, policy);
          expect(sorted([...adds.flat(), ...expired])).toEqual(sorted(mine));
          expect(await buffer.size()).toBe(0);
        }),
        { numRuns: options.propertyRuns ?? 100 },
      );
    });

    it('keeps the lowest price of a repeated report whatever the arrival order', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 8 }), async (cents) => {
          const agent = `dup${run++}`;
          for (const c of cents) await buffer.add([report('replica', 2000, c / 100, agent)], 0, policy);
          const out = await buffer.releaseExpired(policy.windowMs, policy);
          expect(out).toEqual([report('replica', 2000, Math.min(...cents) / 100, agent)]);
        }),
        { numRuns: options.propertyRuns ?? 100 },
      );
    });
  });
}
