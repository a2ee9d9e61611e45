import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IngestQueue } from '../ports/ingest-queue.js';
import type { SourceReport } from '../ports/types.js';
import { useContractSubject, type ContractOptions } from './contract.js';

const hour = 3_600_000;
const batch = (n: number, from = 0): SourceReport[] =>
  Array.from({ length: n }, (_, i) => ({ agentId: 'a1', instanceId: 'i-1', poolId: 'us-east-1a:c5.large', timestamp: 1000 + (from + i) * 300, price: 0.05, role: 'primary' }));

/**
 * The {@link IngestQueue} contract: what is enqueued comes out until acknowledged, at least once; an
 * entry being worked on is not handed to a second consumer until it has been idle for `minIdleMs`.
 * @example
 * runIngestQueueContract({ name: 'redis', setup: async () => ({ subject: createRedisQueue({ client, keyPrefix }), teardown }) });
 */
export function runIngestQueueContract(options: ContractOptions<IngestQueue>): void {
  describe(`IngestQueue contract (${options.name})`, () => {
    let queue: IngestQueue;
    useContractSubject(options, (subject) => (queue = subject));

    it('hands out an enqueued batch with its reports and removes it only on ack', async () => {
      const id = await queue.enqueue(batch(3));
      expect(await queue.pending()).toBe(1);
      const [entry, ...rest] = await queue.claim('c1', { max: 10, minIdleMs: hour });
      expect(rest).toEqual([]);
      expect(entry).toMatchObject({ id, deliveries: 1 });
      expect(entry?.reports).toEqual(batch(3));
      expect(await queue.claim('c2', { max: 10, minIdleMs: hour })).toEqual([]);
      expect(await queue.pending()).toBe(1);
      await queue.ack([id]);
      expect(await queue.pending()).toBe(0);
      expect(await queue.claim('c2', { max: 10, minIdleMs: 0 })).toEqual([]);
    });

    it('gives an unacknowledged entry to another consumer once it has been idle for minIdleMs', async () => {
      const id = await queue.enqueue(batch(1));
      await queue.claim('dead', { max: 10, minIdleMs: hour });
      const again = await queue.claim('alive', { max: 10, minIdleMs: 0 });
      expect(again.map((e) => [e.id, e.deliveries])).toEqual([[id, 2]]);
    });

    it('tells when the oldest unacknowledged entry was enqueued, and nothing once all are acknowledged', async () => {
      expect(await queue.oldestEnqueuedAt()).toBeUndefined();
      const first = await queue.enqueue(batch(1));
      const at = await queue.oldestEnqueuedAt();
      expect(typeof at).toBe('number');
      const second = await queue.enqueue(batch(1, 1));
      expect(await queue.oldestEnqueuedAt()).toBe(at);
      const claimed = await queue.claim('c1', { max: 1, minIdleMs: hour });
      expect(claimed.map((e) => e.id)).toEqual([first]);
      // Handed out but not acknowledged: still the oldest.
      expect(await queue.oldestEnqueuedAt()).toBe(at);
      await queue.ack([first]);
      expect(await queue.oldestEnqueuedAt()).toBeGreaterThanOrEqual(at!);
      await queue.claim('c1', { max: 1, minIdleMs: hour });
      await queue.ack([second]);
      expect(await queue.oldestEnqueuedAt()).toBeUndefined();
    });

    it('hands out at most max entries, oldest first', async () => {
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push(await queue.enqueue(batch(1, i)));
      const first = await queue.claim('c1', { max: 2, minIdleMs: hour });
      expect(first.map((e) => e.id)).toEqual(ids.slice(0, 2));
      const next = await queue.claim('c1', { max: 10, minIdleMs: hour });
      expect(next.map((e) => e.id)).toEqual(ids.slice(2));
    });

    it('gives each entry to one of two consumers claiming at the same time', async () => {
      for (let i = 0; i < 20; i++) await queue.enqueue(batch(1, i));
      const [a, b] = await Promise.all([queue.claim('c1', { max: 20, minIdleMs: hour }), queue.claim('c2', { max: 20, minIdleMs: hour })]);
      const ids = [...a, ...b].map((e) => e.id);
      expect(new Set(ids).size).toBe(20);
      expect(ids).toHaveLength(20);
    });

    it('delivers every enqueued report at least once, whatever consumers claim and ack', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 8 }),
          fc.array(fc.record({ max: fc.integer({ min: 1, max: 3 }), ack: fc.boolean() }), { maxLength: 10 }),
          async (sizes, steps) => {
            const enqueued = new Set<string>();
            for (const n of sizes) enqueued.add(await queue.enqueue(batch(n)));
            const seen = new Set<string>();
            for (const s of steps) {
              const got = await queue.claim('c', { max: s.max, minIdleMs: 0 });
              for (const e of got) seen.add(e.id);
              if (s.ack) await queue.ack(got.map((e) => e.id));
            }
            // Drain: whatever is left is still there to be claimed.
            for (let got = await queue.claim('c', { max: 100, minIdleMs: 0 }); got.length > 0; got = await queue.claim('c', { max: 100, minIdleMs: 0 })) {
              for (const e of got) seen.add(e.id);
              await queue.ack(got.map((e) => e.id));
            }
            for (const id of enqueued) expect(seen.has(id)).toBe(true);
            expect(await queue.pending()).toBe(0);
          },
        ),
        { numRuns: Math.min(options.propertyRuns ?? 100, 50) },
      );
    });
  });
}
