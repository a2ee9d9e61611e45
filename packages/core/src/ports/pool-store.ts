import type { PoolRecord } from './types.js';

/**
 * Known spot pools (`pools`). Reports for a pool the store does not know are rejected.
 * `upsert` is idempotent; `known` answers for many ids at once (the validation hot path).
 */
export interface PoolStore {
  upsert(pools: readonly PoolRecord[]): Promise<void>;
  get(id: string): Promise<PoolRecord | undefined>;
  list(): Promise<PoolRecord[]>;
  /** The subset of `ids` that are known pools. */
  known(ids: readonly string[]): Promise<Set<string>>;
}
