import { describe, expect, it } from 'vitest';
import type { AgentStore } from '../ports/agent-store.js';
import type { NewAgent } from '../ports/types.js';
import { useContractSubject, type ContractOptions } from './contract.js';
import { runAgentStoreModesContract } from './agent-store-modes.js';

const newAgent = (id: string, extra: Partial<NewAgent> = {}): NewAgent => ({
  id,
  region: 'us-east-1',
  poolId: 'us-east-1a:c5.large',
  primaryInstanceId: `i-${id}-p`,
  ...extra,
});

/**
 * The {@link AgentStore} contract: records, compare-and-set by version (also under 50 concurrent writers),
 * fencing, lookup by instance, and the mode exclusion (see `agent-store-modes`).
 * @example
 * runAgentStoreContract({ name: 'memory', setup: async () => ({ subject: createMemoryAgentStore({ fences, clock }) }) });
 */
export function runAgentStoreContract(options: ContractOptions<AgentStore>): void {
  describe(`AgentStore contract (${options.name})`, () => {
    let store: AgentStore;
    useContractSubject(options, (subject) => (store = subject));

    it('creates an agent with no replica, all modes off, and refuses the same id twice', async () => {
      const a = await store.create(newAgent('a1', { primaryLaunchedAt: 1_000, createdAt: 2_000 }));
      expect(a).toMatchObject({ id: 'a1', replicaInstanceId: null, primaryLaunchedAt: 1_000, createdAt: 2_000, fencingToken: 0 });
      expect(a.modes).toEqual({ autoSwitch: false, autoTerminate: false, manualReplica: false });
      expect(await store.get('a1')).toEqual(a);
      await expect(store.create(newAgent('a1'))).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await store.get('nobody')).toBeUndefined();
    });

    it('tells the highest fencing token seen for an agent (0 before any), the floor of a lease counter', async () => {
      const a = await store.create(newAgent('a1'));
      expect(await store.highestFencingToken('a1')).toBe(0);
      expect(await store.highestFencingToken('nobody')).toBe(0);
      const b = await store.update('a1', a.version, { replicaInstanceId: 'i-r' }, { fencingToken: 7 });
      await store.update('a1', b.version, { replicaInstanceId: null }, { fencingToken: 9 });
      expect(await store.highestFencingToken('a1')).toBe(9);
      await expect(store.update('a1', b.version + 1, { replicaInstanceId: 'i-x' }, { fencingToken: 8 })).rejects.toMatchObject({ code: 'STALE_FENCING_TOKEN' });
      expect(await store.highestFencingToken('a1')).toBe(9);
    });

    it('fence records a token with no other write and refuses one below the highest seen; a write with a lower token is then refused too', async () => {
      const a = await store.create(newAgent('a1'));
      await store.fence('a1', 5);
      await store.fence('a1', 5); // the holder checking its own token again
      expect(await store.highestFencingToken('a1')).toBe(5);
      expect(await store.get('a1')).toEqual(a); // nothing else written
      await expect(store.fence('a1', 4)).rejects.toMatchObject({ code: 'STALE_FENCING_TOKEN' });
      await expect(store.update('a1', a.version, { replicaInstanceId: 'i-r' }, { fencingToken: 4 })).rejects.toMatchObject({ code: 'STALE_FENCING_TOKEN' });
      const b = await store.update('a1', a.version, { replicaInstanceId: 'i-r' }, { fencingToken: 8 });
      await expect(store.fence('a1', 7)).rejects.toMatchObject({ code: 'STALE_FENCING_TOKEN' });
      expect(await store.get('a1')).toEqual(b);
    });

    it('applies a patch only at the expected version and then increases the version by one', async () => {
      const a = await store.create(newAgent('a1'));
      const b = await store.update('a1', a.version, { replicaInstanceId: 'i-r' });
      expect(b.version).toBe(a.version + 1);
      expect(b.replicaInstanceId).toBe('i-r');
      expect(b.primaryInstanceId).toBe(a.primaryInstanceId);
      await expect(store.update('a1', a.version, { replicaInstanceId: 'i-x' })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await store.get('a1')).toEqual(b);
      await expect(store.update('nobody', 1, {})).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('lets exactly one of 50 concurrent writers at one version win', async () => {
      const a = await store.create(newAgent('a1'));
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) => store.update('a1', a.version, { tokenHash: `w${i}` })),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'CONFLICT' });
      const after = await store.get('a1');
      expect(after?.version).toBe(a.version + 1);
      expect(after?.tokenHash).toBe((won[0] as PromiseFulfilledResult<{ tokenHash: string }>).value.tokenHash);
    });

    it('loses no update when 20 writers read, modify and retry on conflict', async () => {
      const a = await store.create(newAgent('a1', { tokenHash: '0' }));
      const increment = async () => {
        for (;;) {
          const cur = (await store.get('a1'))!;
          try {
            return await store.update('a1', cur.version, { tokenHash: String(Number(cur.tokenHash) + 1) });
          } catch (e) {
            if ((e as { code?: string }).code !== 'CONFLICT') throw e;
          }
        }
      };
      await Promise.all(Array.from({ length: 20 }, increment));
      const after = await store.get('a1');
      expect(after?.tokenHash).toBe('20');
      expect(after?.version).toBe(a.version + 20);
    });

    it('refuses a write with a fencing token lower than one already seen, writing nothing', async () => {
      const a = await store.create(newAgent('a1'));
      const b = await store.update('a1', a.version, { replicaInstanceId: 'i-r1' }, { fencingToken: 5 });
      expect(b.fencingToken).toBe(5);
      await expect(store.update('a1', b.version, { replicaInstanceId: 'i-r2' }, { fencingToken: 4 })).rejects.toMatchObject({
        code: 'STALE_FENCING_TOKEN',
      });
      expect(await store.get('a1')).toEqual(b);
      const c = await store.update('a1', b.version, { replicaInstanceId: 'i-r3' }, { fencingToken: 5 });
      expect(c.fencingToken).toBe(5);
      const d = await store.update('a1', c.version, { replicaInstanceId: null });
      expect(d.fencingToken).toBe(5);
    });

    it('finds an agent by its primary or its replica instance, and lists every agent', async () => {
      const a = await store.create(newAgent('a1'));
      await store.create(newAgent('a2'));
      await store.update('a1', a.version, { replicaInstanceId: 'i-a1-r' });
      expect((await store.findByInstance('i-a1-p'))?.id).toBe('a1');
      expect((await store.findByInstance('i-a1-r'))?.id).toBe('a1');
      expect((await store.findByInstance('i-a2-p'))?.id).toBe('a2');
      expect(await store.findByInstance('i-none')).toBeUndefined();
      expect((await store.list()).map((x) => x.id).sort()).toEqual(['a1', 'a2']);
    });
  });
  runAgentStoreModesContract(options);
}
