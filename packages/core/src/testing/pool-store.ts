import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PoolStore } from '../ports/pool-store.js';
import type { PoolRecord } from '../ports/types.js';
import { useContractSubject, type ContractOptions } from './contract.js';

const pool = (az: string, type: string): PoolRecord => ({ id: `${az}:${type}`, region: az.slice(0, -1), availabilityZone: az, instanceType: type });

/**
 * The {@link PoolStore} contract: idempotent upsert, lookups, and `known` as an exact set intersection.
 * @example
 * runPoolStoreContract({ name: 'memory', setup: async () => ({ subject: createMemoryPoolStore() }) });
 */
export function runPoolStoreContract(options: ContractOptions<PoolStore>): void {
  describe(`PoolStore contract (${options.name})`, () => {
    let pools: PoolStore;
    useContractSubject(options, (subject) => (pools = subject));

    it('stores pools idempotently and reads them back', async () => {
      const a = pool('us-east-1a', 'c5.large');
      const b = pool('us-west-2b', 'm5.xlarge');
      await pools.upsert([a, b]);
      await pools.upsert([a]);
      expect(await pools.get(a.id)).toEqual(a);
      expect(await pools.get('us-east-1a:nope')).toBeUndefined();
      expect((await pools.list()).map((p) => p.id).sort()).toEqual([a.id, b.id].sort());
    });

    it('answers known() with exactly the known subset of the ids asked', async () => {
      const azs = ['us-east-1a', 'us-east-1b', 'us-west-2a'];
      const types = ['c5.large', 'm5.large', 't3.micro'];
      const all = azs.flatMap((az) => types.map((t) => pool(az, t)));
      await fc.assert(
        fc.asyncProperty(fc.subarray(all), fc.array(fc.constantFrom(...all.map((p) => p.id), 'x:y', ''), { maxLength: 15 }), async (stored, asked) => {
          await pools.upsert(stored);
          const stillKnown = new Set((await pools.list()).map((p) => p.id));
          const known = await pools.known(asked);
          expect([...known].sort()).toEqual([...new Set(asked.filter((id) => stillKnown.has(id)))].sort());
        }),
        { numRuns: options.propertyRuns ?? 100 },
      );
    });
  });
}
