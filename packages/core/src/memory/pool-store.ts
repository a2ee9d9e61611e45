import type { PoolStore } from '../ports/pool-store.js';
import type { PoolRecord } from '../ports/types.js';

/**
 * An in-memory {@link PoolStore}. `upsert` replaces a pool with the same id.
 * @example
 * const pools = createMemoryPoolStore(simulatedPools());
 * await pools.known(['us-east-1a:c5.large', 'nowhere:x']); // Set { 'us-east-1a:c5.large' }
 */
export function createMemoryPoolStore(initial: readonly PoolRecord[] = []): PoolStore {
  const pools = new Map<string, PoolRecord>();
  const put = (list: readonly PoolRecord[]) => {
    for (const p of list) pools.set(p.id, Object.freeze({ ...p }));
  };
  put(initial);
  return {
    async upsert(list) {
      put(list);
    },
    async get(id) {
      return pools.get(id);
    },
    async list() {
      return [...pools.values()];
    },
    async known(ids) {
      const out = new Set<string>();
      for (const id of ids) if (pools.has(id)) out.add(id);
      return out;
    },
  };
}
