import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../src/clock/index.js';
import { FenceRegistry } from '../src/memory/fence-registry.js';
import { createMemoryReplicaStore } from '../src/memory/replica-store.js';
import { runReplicaStoreContract } from '../src/testing/replica-store.js';
import type { ReplicaRecord, ReplicaStatus } from '../src/ports/types.js';

runReplicaStoreContract({
  name: 'memory',
  setup: async () => ({ subject: createMemoryReplicaStore({ fences: new FenceRegistry(), clock: createFakeClock(Date.UTC(2026, 0, 1)) }) }),
});

describe('memory replica store: the active index', () => {
  const statuses: readonly ReplicaStatus[] = ['launching', 'syncing', 'ready', 'promoted', 'terminated', 'failed'];
  it('listActive is a full scan of the active records, by creation time then creation order, under any creates and transitions (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.record({ create: fc.integer({ min: 0, max: 3 }) }), fc.record({ move: fc.nat(), to: fc.constantFrom(...statuses) })), { maxLength: 40 }),
        async (steps) => {
          const store = createMemoryReplicaStore({ fences: new FenceRegistry(), clock: createFakeClock(0) });
          const made: { id: string; createdAt: number }[] = [];
          for (const step of steps) {
            if ('create' in step) {
              // Few distinct times: many ties, which go to the earlier creation.
              const id = `r${made.length}`;
              made.push({ id, createdAt: step.create });
              await store.create({ id, agentId: `a${made.length % 3}`, instanceId: null, poolId: 'p', market: 'spot', replicaType: 'auto', status: 'launching', createdAt: step.create, readyAt: null, endedAt: null, causeId: id });
            } else if (made.length > 0) {
              const { id } = made[step.move % made.length]!;
              await store.transition(id, statuses, step.to).catch(() => undefined);
            }
          }
          const scan: ReplicaRecord[] = [];
          for (const { id } of made) {
            const r = (await store.get(id))!;
            if (r.status === 'launching' || r.status === 'syncing' || r.status === 'ready') scan.push(r);
          }
          const order = new Map(made.map(({ id }, i) => [id, i]));
          scan.sort((a, b) => a.createdAt - b.createdAt || order.get(a.id)! - order.get(b.id)!);
          expect((await store.listActive()).map((r) => r.id)).toEqual(scan.map((r) => r.id));
        },
      ),
      { numRuns: 300 },
    );
  });
});
