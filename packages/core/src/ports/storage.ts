import type { AgentStore } from './agent-store.js';
import type { EventStore } from './event-store.js';
import type { PoolStore } from './pool-store.js';
import type { PriceStore } from './price-store.js';
import type { ReplicaStore } from './replica-store.js';

/**
 * The durable stores of one SEF deployment, as one bundle: they share state that crosses tables
 * (the per-agent fencing token is checked by the agent, replica and event stores alike).
 * `createMemoryStorage()` in core and `createPostgresStorage({ pool })` return one.
 */
export interface SefStorage {
  readonly prices: PriceStore;
  readonly agents: AgentStore;
  readonly pools: PoolStore;
  readonly replicas: ReplicaStore;
  readonly events: EventStore;
  /** Is the backend reachable and usable right now (readiness probe)? */
  ping(): Promise<boolean>;
}
