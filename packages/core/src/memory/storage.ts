import type { Clock } from '../ports/clock.js';
import type { SefStorage } from '../ports/storage.js';
import type { PoolRecord } from '../ports/types.js';
import { createMemoryAgentStore } from './agent-store.js';
import { createMemoryEventStore } from './event-store.js';
import { FenceRegistry } from './fence-registry.js';
import { createMemoryPoolStore } from './pool-store.js';
import { createMemoryPriceStore } from './price-store.js';
import { createMemoryReplicaStore } from './replica-store.js';

export interface MemoryStorageOptions {
  /** Time for records the stores stamp themselves. */
  readonly clock: Clock;
  /** Pools known from the start (e.g. `simulatedPools()`). @default [] */
  readonly pools?: readonly PoolRecord[];
}

/**
 * Every durable store in memory, as one {@link SefStorage} bundle: the agent, replica and event stores
 * share one {@link FenceRegistry}, as the tables of one database share the agents row.
 * @example
 * const storage = createMemoryStorage({ clock: systemClock, pools: simulatedPools() });
 * const sef = createSef({ storage, cloud: createSimulatedCloud({ clock: systemClock }) });
 */
export function createMemoryStorage(options: MemoryStorageOptions): SefStorage {
  const { clock } = options;
  const fences = new FenceRegistry();
  return {
    prices: createMemoryPriceStore(),
    agents: createMemoryAgentStore({ fences, clock }),
    pools: createMemoryPoolStore(options.pools ?? []),
    replicas: createMemoryReplicaStore({ fences, clock }),
    events: createMemoryEventStore({ fences }),
    ping: async () => true,
  };
}
