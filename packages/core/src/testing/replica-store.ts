import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ReplicaStore } from '../ports/replica-store.js';
import type { ReplicaRecord, ReplicaStatus } from '../ports/types.js';
import { useContractSubject, type ContractOptions } from './contract.js';

const t0 = Date.UTC(2026, 0, 1);

/** A replica record in `launching`, for contract tests. */
export const newReplica = (id: string, extra: Partial<ReplicaRecord> = {}): ReplicaRecord => ({
  id,
  agentId: 'a1',
  instanceId: null,
  poolId: 'us-east-1a:c5.large',
  market: 'spot',
  replicaType: 'auto',
  status: 'launching',
  createdAt: t0,
  readyAt: null,
  endedAt: null,
  causeId: `cause-${id}`,
  ...extra,
});

const statuses: readonly ReplicaStatus[] = ['launching', 'syncing', 'ready', 'promoted', 'terminated', 'failed'];

/**
 * The {@link ReplicaStore} contract: idempotent create, compare-and-set transitions (also 30 racing
 * writers), fencing by agent, lookups, and the spec's replica performance query.
 * @example
 * runReplicaStoreContract({ name: 'memory', setup: async () => ({ subject: createMemoryReplicaStore({ fences, clock }) }) });
 */
export function runReplicaStoreContract(options: ContractOptions<ReplicaStore>): void {
  describe(`ReplicaStore contract (${options.name})`, () => {
    let store: ReplicaStore;
    useContractSubject(options, (subject) => (store = subject));

    it('creates a replica once: creating the same id again returns the stored record unchanged', async () => {
      const r = await store.create(newReplica('r1'));
      expect(r).toEqual(newReplica('r1'));
      const again = await store.create(newReplica('r1', { poolId: 'us-east-1b:c5.large', status: 'ready' }));
      expect(again).toEqual(r);
      expect(await store.get('r1')).toEqual(r);
      expect(await store.get('none')).toBeUndefined();
    });

    it('walks launching → syncing → ready → promoted, setting the patch fields with the status', async () => {
      await store.create(newReplica('r1'));
      const s = await store.transition('r1', ['launching'], 'syncing', { instanceId: 'i-r1' });
      expect(s).toMatchObject({ status: 'syncing', instanceId: 'i-r1', readyAt: null });
      const r = await store.transition('r1', ['syncing'], 'ready', { readyAt: t0 + 95_000 });
      expect(r).toMatchObject({ status: 'ready', readyAt: t0 + 95_000, instanceId: 'i-r1' });
      const p = await store.transition('r1', ['ready'], 'promoted', { endedAt: t0 + 200_000 });
      expect(p).toMatchObject({ status: 'promoted', endedAt: t0 + 200_000 });
      expect(await store.get('r1')).toEqual(p);
      expect((await store.findByInstance('i-r1'))?.id).toBe('r1');
      expect(await store.findByInstance('i-none')).toBeUndefined();
    });

    it('refuses a transition from a status the replica is not in, writing nothing', async () => {
      const r = await store.create(newReplica('r1'));
      await expect(store.transition('r1', ['ready'], 'promoted')).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await store.get('r1')).toEqual(r);
      await expect(store.transition('none', ['launching'], 'failed')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('lets exactly one of 30 racing transitions out of ready win', async () => {
      await store.create(newReplica('r1', { status: 'ready', instanceId: 'i-1', readyAt: t0 + 1 }));
      const results = await Promise.allSettled(
        Array.from({ length: 30 }, (_, i) => store.transition('r1', ['ready'], i % 2 ? 'promoted' : 'terminated', { endedAt: t0 + i })),
      );
      const won = results.filter((x): x is PromiseFulfilledResult<ReplicaRecord> => x.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const x of results) if (x.status === 'rejected') expect(x.reason).toMatchObject({ code: 'CONFLICT' });
      expect(await store.get('r1')).toEqual(won[0]!.value);
    });

    it('refuses a write with a fencing token lower than the highest seen for the agent', async () => {
      await store.create(newReplica('r1'), { fencingToken: 7 });
      await expect(store.create(newReplica('r2'), { fencingToken: 6 })).rejects.toMatchObject({ code: 'STALE_FENCING_TOKEN' });
      expect(await store.get('r2')).toBeUndefined();
      await expect(store.transition('r1', ['launching'], 'syncing', {}, { fencingToken: 3 })).rejects.toMatchObject({
        code: 'STALE_FENCING_TOKEN',
      });
      expect((await store.get('r1'))?.status).toBe('launching');
      await store.transition('r1', ['launching'], 'syncing', {}, { fencingToken: 8 });
      await expect(store.transition('r1', ['syncing'], 'ready', {}, { fencingToken: 7 })).rejects.toMatchObject({ code: 'STALE_FENCING_TOKEN' });
      // Tokens are per agent: another agent's replica is not affected.
      await store.create(newReplica('r3', { agentId: 'a2' }), { fencingToken: 1 });
      expect((await store.get('r3'))?.agentId).toBe('a2');
    });

    it('lists the replicas of one agent oldest first', async () => {
      await store.create(newReplica('r2', { createdAt: t0 + 2 }));
      await store.create(newReplica('r1', { createdAt: t0 + 1 }));
      await store.create(newReplica('x', { agentId: 'a2', createdAt: t0 }));
      expect((await store.listByAgent('a1')).map((r) => r.id)).toEqual(['r1', 'r2']);
      expect(await store.listByAgent('nobody')).toEqual([]);
    });

    it('lists the launching, syncing and ready replicas of every agent oldest first, and no others', async () => {
      await store.create(newReplica('late', { createdAt: t0 + 3 }));
      await store.create(newReplica('gone', { createdAt: t0, status: 'terminated', endedAt: t0 + 9 }));
      await store.create(newReplica('b1', { agentId: 'a2', createdAt: t0 + 1, status: 'ready', instanceId: 'i-b1', readyAt: t0 + 2 }));
      await store.create(newReplica('early', { createdAt: t0 }));
      await store.create(newReplica('syncing', { createdAt: t0 + 2 }));
      await store.transition('syncing', ['launching'], 'syncing', { instanceId: 'i-s' });
      expect((await store.listActive()).map((r) => r.id)).toEqual(['early', 'b1', 'syncing', 'late']);
      await store.transition('b1', ['ready'], 'promoted', { endedAt: t0 + 5 });
      await store.transition('early', ['launching'], 'failed', { endedAt: t0 + 5 });
      const active = await store.listActive();
      expect(active.map((r) => r.id)).toEqual(['syncing', 'late']);
      expect(active[0]).toEqual(await store.get('syncing'));
    });

    it("answers the spec's replica performance query per replica type", async () => {
      await store.create(newReplica('a', { replicaType: 'auto', status: 'promoted', readyAt: t0 + 100_000, endedAt: t0 + 200_000 }));
      await store.create(newReplica('b', { replicaType: 'auto', status: 'terminated', readyAt: t0 + 200_000, endedAt: t0 + 300_000 }));
      await store.create(newReplica('c', { replicaType: 'auto', status: 'launching' }));
      await store.create(newReplica('d', { replicaType: 'manual', status: 'failed', endedAt: t0 + 5 }));
      await store.create(newReplica('old', { replicaType: 'emergency', createdAt: t0 - 10_000, status: 'promoted' }));
      const stats = await store.stats(t0);
      const byType = new Map(stats.map((s) => [s.replicaType, s]));
      expect(byType.get('auto')).toEqual({ replicaType: 'auto', totalCreated: 3, avgReadyTimeSec: 150, promotedCount: 1, terminatedUnused: 1 });
      expect(byType.get('manual')).toEqual({ replicaType: 'manual', totalCreated: 1, avgReadyTimeSec: null, promotedCount: 0, terminatedUnused: 0 });
      expect(byType.has('emergency')).toBe(false);
    });

    it('matches a model under any sequence of compare-and-set transitions (property)', async () => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.subarray([...statuses], { minLength: 1 }), fc.constantFrom(...statuses)), { maxLength: 12 }),
          async (steps) => {
            const id = `p${n++}`;
            await store.create(newReplica(id));
            let model: ReplicaStatus = 'launching';
            for (const [from, to] of steps) {
              const ok = from.includes(model);
              const result = store.transition(id, from, to);
              if (ok) {
                expect((await result).status).toBe(to);
                model = to;
              } else await expect(result).rejects.toMatchObject({ code: 'CONFLICT' });
              const listed = (await store.listActive()).some((r) => r.id === id);
              expect(listed).toBe(model === 'launching' || model === 'syncing' || model === 'ready');
            }
            expect((await store.get(id))?.status).toBe(model);
          },
        ),
        { numRuns: options.propertyRuns ?? 100 },
      );
    });
  });
}
