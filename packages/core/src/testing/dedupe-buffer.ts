import { describe, expect, it } from 'vitest';
import type { DedupeBuffer } from '../ports/dedupe-buffer.js';
import { useContractSubject, type ContractOptions } from './contract.js';
import { policy, report, sorted } from './dedupe-buffer-fixtures.js';
import { runDedupeBufferPropertyContract } from './dedupe-buffer-properties.js';

/**
 * The {@link DedupeBuffer} contract: pairing with the nearest twin, the lower price on a repeat, expiry,
 * and exactly-once release under concurrent adds and sweeps; properties in `dedupe-buffer-properties`.
 * @example
 * runDedupeBufferContract({ name: 'redis', setup: async () => ({ subject: createRedisBuffer({ client, keyPrefix }), teardown }) });
 */
export function runDedupeBufferContract(options: ContractOptions<DedupeBuffer>): void {
  describe(`DedupeBuffer contract (${options.name})`, () => {
    let buffer: DedupeBuffer;
    useContractSubject(options, (subject) => (buffer = subject));

    it("releases the spec's primary ($0.0456 at T=1000) together with its replica ($0.0458 at T=1000)", async () => {
      expect(await buffer.add([report('primary', 1000, 0.0456)], 0, policy)).toEqual([]);
      expect(await buffer.size()).toBe(1);
      const released = await buffer.add([report('replica', 1000, 0.0458)], 5_000, policy);
      expect(sorted(released)).toEqual(sorted([report('primary', 1000, 0.0456), report('replica', 1000, 0.0458)]));
      expect(await buffer.size()).toBe(0);
    });

    it('pairs only opposite roles of one series within the time tolerance', async () => {
      const held = [report('primary', 1000, 1), report('primary', 1300, 1), report('replica', 1031, 1), report('replica', 1300, 1, 'a2')];
      expect(await buffer.add(held, 0, policy)).toEqual([]);
      expect(await buffer.size()).toBe(4);
      const released = await buffer.add([report('replica', 1030, 2)], 0, policy);
      expect(sorted(released)).toEqual(sorted([report('primary', 1000, 1), report('replica', 1030, 2)]));
    });

    it('pairs with the nearest opposite-role report', async () => {
      await buffer.add([report('replica', 1000, 1), report('replica', 1020, 2)], 0, policy);
      const released = await buffer.add([report('primary', 1015, 3)], 0, policy);
      expect(sorted(released)).toEqual(sorted([report('primary', 1015, 3), report('replica', 1020, 2)]));
      expect(await buffer.size()).toBe(1);
    });

    it('on a tie pairs with the earlier twin, whichever arrived first (a primary between two replicas)', async () => {
      for (const order of [[1030, 1000], [1000, 1030]]) {
        const agent = `tie-${order[0]}`;
        await buffer.add(order.map((ts) => report('replica', ts, ts / 1e5, agent)), 0, policy);
        const released = await buffer.add([report('primary', 1015, 1, agent)], 0, policy);
        expect(sorted(released)).toEqual(sorted([report('primary', 1015, 1, agent), report('replica', 1000, 0.01, agent)]));
      }
      expect(await buffer.size()).toBe(2);
    });

    it('on a tie pairs with the earlier twin (a replica between two primaries)', async () => {
      await buffer.add([report('primary', 1040, 2), report('primary', 1000, 1)], 0, policy);
      const released = await buffer.add([report('replica', 1020, 3)], 0, policy);
      expect(sorted(released)).toEqual(sorted([report('primary', 1000, 1), report('replica', 1020, 3)]));
      expect(await buffer.releaseExpired(policy.windowMs, policy)).toEqual([report('primary', 1040, 2)]);
    });

    it('pairs only within the tolerance, its edge included', async () => {
      await buffer.add([report('primary', 1000, 1), report('primary', 2000, 1)], 0, policy);
      expect(await buffer.add([report('replica', 1000 + policy.timeTolerance + 1, 1)], 0, policy)).toEqual([]);
      const released = await buffer.add([report('replica', 2000 - policy.timeTolerance, 1)], 0, policy);
      expect(sorted(released)).toEqual(sorted([report('primary', 2000, 1), report('replica', 2000 - policy.timeTolerance, 1)]));
    });

    it('releases the lower price of a repeat with its twin, whichever price came first', async () => {
      for (const [agent, prices] of [['low-first', [0.04, 0.05]], ['high-first', [0.05, 0.04]]] as const) {
        for (const price of prices) await buffer.add([report('primary', 1000, price, agent)], 0, policy);
        const released = await buffer.add([report('replica', 1010, 0.06, agent)], 0, policy);
        expect(sorted(released)).toEqual(sorted([report('primary', 1000, 0.04, agent), report('replica', 1010, 0.06, agent)]));
      }
      expect(await buffer.size()).toBe(0);
    });

    it('holds a repeated (series, role, timestamp) once, with the lower price', async () => {
      await buffer.add([report('primary', 1000, 0.05), report('primary', 1000, 0.04), report('primary', 1000, 0.06)], 0, policy);
      expect(await buffer.size()).toBe(1);
      expect(await buffer.releaseExpired(policy.windowMs, policy)).toEqual([report('primary', 1000, 0.04)]);
    });

    it('releases a report once its 300 s window has passed, not before, and only once', async () => {
      await buffer.add([report('primary', 1000, 1)], 10_000, policy);
      await buffer.add([report('primary', 1300, 1)], 20_000, policy);
      expect(await buffer.releaseExpired(10_000 + policy.windowMs - 1, policy)).toEqual([]);
      expect(await buffer.releaseExpired(10_000 + policy.windowMs, policy)).toEqual([report('primary', 1000, 1)]);
      expect(await buffer.releaseExpired(10_000 + policy.windowMs, policy)).toEqual([]);
      expect(await buffer.size()).toBe(1);
    });

    it('names the expired reports without releasing them, so they can be stored before they leave', async () => {
      await buffer.add([report('primary', 1000, 1)], 10_000, policy);
      await buffer.add([report('primary', 1300, 1)], 20_000, policy);
      expect(await buffer.expired(10_000 + policy.windowMs - 1, policy)).toEqual([]);
      expect(await buffer.expired(10_000 + policy.windowMs, policy)).toEqual([report('primary', 1000, 1)]);
      expect(await buffer.expired(10_000 + policy.windowMs, policy)).toEqual([report('primary', 1000, 1)]);
      expect(await buffer.size()).toBe(2);
      // Still waiting: its twin pairs with it, and the sweep no longer finds it.
      expect(sorted(await buffer.add([report('replica', 1001, 1)], 10_000 + policy.windowMs, policy))).toEqual(sorted([report('primary', 1000, 1), report('replica', 1001, 1)]));
      expect(await buffer.expired(10_000 + policy.windowMs, policy)).toEqual([]);
    });

    it('gives a report added again (not a first delivery) the twin it left with, so a failed store of the pair loses neither', async () => {
      await buffer.add([report('primary', 1000, 1)], 0, policy, { firstDelivery: true });
      const pair = sorted([report('primary', 1000, 1), report('replica', 1002, 2)]);
      expect(sorted(await buffer.add([report('replica', 1002, 2)], 1_000, policy, { firstDelivery: true }))).toEqual(pair);
      expect(sorted(await buffer.add([report('replica', 1002, 2)], 2_000, policy))).toEqual(pair);
      expect(await buffer.size()).toBe(0);
    });

    it('re-arms a pair each time it is handed again: retried every window, a report gets its twin for as long as it comes back', async () => {
      const { windowMs } = policy;
      const primary = report('primary', 1000, 1);
      const replica = report('replica', 1002, 2);
      await buffer.add([primary], 0, policy);
      const pair = sorted([primary, replica]);
      expect(sorted(await buffer.add([replica], 1_000, policy))).toEqual(pair);
      // A reply lost again and again: the retry of each window gets the twin, the sweeps in between forget nothing.
      for (let k = 1; k <= 3; k++) {
        expect(await buffer.releaseExpired(k * windowMs + 1_000, policy)).toEqual([]);
        expect(sorted(await buffer.add([replica], k * windowMs + 1_000, policy))).toEqual(pair);
      }
      expect(await buffer.size()).toBe(0);
      // Last re-armed in window 3 and not asked for in window 4, the pair is forgotten in window 5: the report waits anew.
      expect(await buffer.releaseExpired(5 * windowMs, policy)).toEqual([]);
      expect(await buffer.add([replica], 5 * windowMs, policy)).toEqual([]);
      expect(await buffer.size()).toBe(1);
      expect(await buffer.releaseExpired(6 * windowMs, policy)).toEqual([replica]);
    });

    it('keeps a re-armed pair of a series after a pair made later in it is forgotten', async () => {
      const { windowMs } = policy;
      const first = sorted([report('primary', 1000, 1), report('replica', 1002, 2)]);
      const later = sorted([report('primary', 5000, 1), report('replica', 5002, 2)]);
      await buffer.add([report('primary', 1000, 1), report('primary', 5000, 1)], 0, policy);
      expect(sorted(await buffer.add([report('replica', 1002, 2)], 1_000, policy))).toEqual(first);
      expect(sorted(await buffer.add([report('replica', 5002, 2)], 2_000, policy))).toEqual(later);
      // Only the first pair comes back in window 1; in window 2 it is still remembered, the later one no longer.
      expect(sorted(await buffer.add([report('replica', 1002, 2)], windowMs, policy))).toEqual(first);
      expect(sorted(await buffer.add([report('replica', 1002, 2)], 2 * windowMs, policy))).toEqual(first);
      expect(await buffer.add([report('replica', 5002, 2)], 2 * windowMs, policy)).toEqual([]);
      expect(await buffer.size()).toBe(1);
    });

    it('releases a primary and its twin exactly once when both are added concurrently', async () => {
      for (let k = 0; k < 20; k++) {
        const ts = 10_000 + k * 300;
        const results = await Promise.all([
          buffer.add([report('primary', ts, 1)], 0, policy),
          buffer.add([report('replica', ts + 3, 1)], 0, policy),
        ]);
        expect(sorted(results.flat())).toEqual(sorted([report('primary', ts, 1), report('replica', ts + 3, 1)]));
      }
      expect(await buffer.size()).toBe(0);
    });

    it('releases each expired report once when two sweepers run at the same time', async () => {
      const held = Array.from({ length: 100 }, (_, i) => report('primary', 1000 + i * 300, 1, `a${i % 7}`));
      await buffer.add(held, 0, policy);
      const [a, b] = await Promise.all([buffer.releaseExpired(policy.windowMs, policy), buffer.releaseExpired(policy.windowMs, policy)]);
      expect(sorted([...a, ...b])).toEqual(sorted(held));
      expect(await buffer.size()).toBe(0);
    });
  });
  runDedupeBufferPropertyContract(options);
}
