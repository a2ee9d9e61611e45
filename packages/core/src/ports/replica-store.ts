import type { ReplicaRecord, ReplicaStatus, ReplicaType } from './types.js';

/** The spec's replica performance query, per replica type. */
export interface ReplicaStats {
  readonly replicaType: ReplicaType;
  readonly totalCreated: number;
  /** Average seconds from `createdAt` to `readyAt`, over replicas that became ready; null if none did. */
  readonly avgReadyTimeSec: number | null;
  readonly promotedCount: number;
  /** Terminated without being promoted. */
  readonly terminatedUnused: number;
}

/** Fields a status transition may set alongside the status. */
export type ReplicaTransitionPatch = Partial<Pick<ReplicaRecord, 'instanceId' | 'readyAt' | 'endedAt' | 'poolId' | 'market'>>;

/**
 * Replica lifecycle records (`replica_instances`): `launching → syncing → ready → promoted`, or
 * `terminated` / `failed` from any state before those.
 *
 * Promises:
 * - `create` is idempotent on `id`: creating an existing id returns the stored record unchanged.
 * - `transition` is an atomic compare-and-set on the status: it applies only when the current status is one
 *   of `from`; otherwise it throws `ConflictError` and writes nothing. With `fencingToken`, a token lower
 *   than the highest seen for the replica's agent throws `StaleFencingTokenError`.
 */
export interface ReplicaStore {
  create(replica: ReplicaRecord, options?: { fencingToken?: number }): Promise<ReplicaRecord>;
  get(id: string): Promise<ReplicaRecord | undefined>;
  findByInstance(instanceId: string): Promise<ReplicaRecord | undefined>;
  /** Every replica of the agent, oldest first. */
  listByAgent(agentId: string): Promise<ReplicaRecord[]>;
  /**
   * Every replica still `launching`, `syncing` or `ready`, of every agent, oldest first (ties as in
   * `listByAgent`): the housekeeping sweep's one read, instead of one `listByAgent` per agent.
   */
  listActive(): Promise<ReplicaRecord[]>;
  transition(
    id: string,
    from: readonly ReplicaStatus[],
    to: ReplicaStatus,
    patch?: ReplicaTransitionPatch,
    options?: { fencingToken?: number },
  ): Promise<ReplicaRecord>;
  /** The spec's replica performance query over replicas created at or after `since` (ms). */
  stats(since: number): Promise<ReplicaStats[]>;
}
