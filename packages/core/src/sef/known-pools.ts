import type { PoolStore } from '../ports/pool-store.js';

/**
 * `PoolStore.known` that remembers the pools it found: a pool, once known, stays known (the port has no
 * delete), so a batch naming only remembered pools asks the store nothing; the others are asked again.
 */
export function rememberKnownPools(pools: Pick<PoolStore, 'known'>): Pick<PoolStore, 'known'> {
  const known = new Set<string>();
  return {
    async known(ids) {
      const ask = ids.filter((id) => !known.has(id));
      if (ask.length > 0) for (const id of await pools.known(ask)) known.add(id);
      return new Set(ids.filter((id) => known.has(id)));
    },
  };
}
