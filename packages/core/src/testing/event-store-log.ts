import { describe, expect, it } from 'vitest';
import type { EventStore } from '../ports/event-store.js';
import { useContractSubject, type ContractOptions } from './contract.js';

const t0 = Date.UTC(2026, 0, 1);

/** The system event log of the {@link EventStore}: newest first, filters like the spec's `LIKE 'prefix%'`. */
export function runEventStoreLogContract(options: ContractOptions<EventStore>): void {
  describe(`EventStore system events (${options.name})`, () => {
    let store: EventStore;
    useContractSubject(options, (subject) => (store = subject));

    it('returns system events since a time, newest first, with their payload', async () => {
      await store.appendSystemEvent({ eventType: 'rebalance.replica_started', agentId: 'a1', createdAt: t0 + 1, payload: { risk: 0.42 } });
      await store.appendSystemEvent({ eventType: 'alert.failed_failover', agentId: null, createdAt: t0 + 3, payload: {} });
      await store.appendSystemEvent({ eventType: 'rebalance.monitor', agentId: 'a2', createdAt: t0 + 2, payload: { risk: 0.1 } });
      await store.appendSystemEvent({ eventType: 'rebalance.old', agentId: 'a1', createdAt: t0 - 1, payload: {} });
      const all = await store.systemEvents({ since: t0 });
      expect(all.map((e) => e.eventType)).toEqual(['alert.failed_failover', 'rebalance.monitor', 'rebalance.replica_started']);
      expect(all[2]).toEqual({ eventType: 'rebalance.replica_started', agentId: 'a1', createdAt: t0 + 1, payload: { risk: 0.42 } });
    });

    it("filters by event type prefix (the spec's LIKE '%rebalance%' query), agent and limit", async () => {
      for (let i = 0; i < 5; i++) {
        await store.appendSystemEvent({ eventType: i % 2 ? 'rebalance.monitor' : 'termination.promoted', agentId: i < 3 ? 'a1' : 'a2', createdAt: t0 + i, payload: { i } });
      }
      expect((await store.systemEvents({ since: t0, typePrefix: 'rebalance' })).map((e) => e.payload['i'])).toEqual([3, 1]);
      expect((await store.systemEvents({ since: t0, agentId: 'a2' })).map((e) => e.payload['i'])).toEqual([4, 3]);
      expect((await store.systemEvents({ since: t0, limit: 2 })).map((e) => e.payload['i'])).toEqual([4, 3]);
      expect(await store.systemEvents({ since: t0, typePrefix: 'nothing' })).toEqual([]);
    });
  });
}
