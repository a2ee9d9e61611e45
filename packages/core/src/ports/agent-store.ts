import type { AgentPatch, AgentRecord, NewAgent } from './types.js';

/**
 * Durable agent records (`agents`), with the mode flags and the instances of each agent.
 *
 * Promises:
 * - `update` is an atomic compare-and-set: it applies `patch` only when the stored `version` equals
 *   `expectedVersion`, and then increases `version` by one. A mismatch throws `ConflictError` and writes
 *   nothing. Callers read, decide, and retry on conflict; there is no read-then-write inside the store.
 * - The mode exclusion holds in every state the store can reach: a write that would leave
 *   `modes.manualReplica` on together with `autoSwitch` or `autoTerminate` throws `ConflictError`
 *   (`Manual mode active` or `Auto mode active`) and writes nothing. (Postgres: a CHECK constraint.)
 * - With `fencingToken`, the write is refused with `StaleFencingTokenError` when a higher token has been
 *   seen for this agent; otherwise the stored `fencingToken` becomes the maximum of both.
 * - `create` of an existing id throws `ConflictError`.
 */
export interface AgentStore {
  create(agent: NewAgent): Promise<AgentRecord>;
  get(id: string): Promise<AgentRecord | undefined>;
  list(): Promise<AgentRecord[]>;
  /** The agent whose primary or replica is this instance. */
  findByInstance(instanceId: string): Promise<AgentRecord | undefined>;
  update(id: string, expectedVersion: number, patch: AgentPatch, options?: { fencingToken?: number }): Promise<AgentRecord>;
  /**
   * The highest fencing token any store of this storage has seen for the agent id (0 if none): where a
   * lease manager's counter must resume after losing its state.
   */
  highestFencingToken(agentId: string): Promise<number>;
  /**
   * A fenced write of nothing else: records `token` as seen for the agent (every store of this storage then
   * refuses lower tokens) and throws `StaleFencingTokenError` when a higher token has been seen. A new lease
   * holder registers its token with it before acting, and a flow checks its token with it right before a
   * call no store can fence (the reroute).
   */
  fence(agentId: string, token: number): Promise<void>;
}
