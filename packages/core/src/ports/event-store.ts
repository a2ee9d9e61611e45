import type { InterruptionEventRecord, SignalType, StepRecord, SystemEventRecord } from './types.js';

/** The spec's failover performance query. Seconds; nulls when there are no events. */
export interface FailoverStats {
  readonly avgResponseSec: number | null;
  readonly fastestSec: number | null;
  readonly slowestSec: number | null;
  readonly successful: number;
  readonly totalEvents: number;
}

/** The result of a handled signal. */
export interface SignalOutcome {
  readonly responseTimeMs: number;
  readonly success: boolean;
  readonly outcome: string;
  readonly steps: readonly StepRecord[];
}

/**
 * Interruption notices and the state of their response (`spot_interruption_events`), and the event log
 * (`system_events`). A notice is a persisted state machine: recorded (open), its steps saved before and
 * after each one runs, completed once.
 *
 * Promises:
 * - `recordSignal` inserts only when no record with the same `id` exists, nor (for `instanceRole:
 *   'primary'`) a primary notice of the same agent, signal type and notice time; atomically: of concurrent
 *   calls for one notice exactly one gets `created: true`, the others get the stored record. This is the
 *   exactly-once gate for notices, and what pins a notice to the primary of its first receipt.
 * - `saveSteps` replaces the steps of an open notice; `completeSignal` sets the outcome once. Either on a
 *   completed notice throws `ConflictError`. With `fencingToken`, a stale token throws
 *   `StaleFencingTokenError` and writes nothing (tokens are per agent, shared with the `AgentStore`).
 * - `getSignal` with `fencingToken` is a fenced read: it records the token as seen for the notice's agent
 *   (like `AgentStore.fence`; `StaleFencingTokenError` when a higher one was seen) and returns the notice
 *   as it stands after every write of an older token, atomically: once it returns, no write with a lower
 *   token is accepted. A new lease holder's first act (register its token, see where the notice stands)
 *   in one call.
 * - `listOpenSignals` returns every notice not yet completed, earliest deadline first: what a process
 *   resumes when the one that held it went away.
 */
export interface EventStore {
  recordSignal(event: InterruptionEventRecord): Promise<{ created: boolean; event: InterruptionEventRecord }>;
  saveSteps(id: string, steps: readonly StepRecord[], options?: { fencingToken?: number }): Promise<InterruptionEventRecord>;
  completeSignal(id: string, outcome: SignalOutcome, options?: { fencingToken?: number }): Promise<InterruptionEventRecord>;
  getSignal(id: string, options?: { fencingToken?: number }): Promise<InterruptionEventRecord | undefined>;
  /** Open notices (not completed), earliest deadline first, at most `limit`. */
  listOpenSignals(options?: { limit?: number }): Promise<InterruptionEventRecord[]>;
  /** Signals detected at or after `since` (ms), newest first; for one agent (and one instance) or all. */
  listSignals(options: { since: number; agentId?: string; instanceId?: string; limit?: number }): Promise<InterruptionEventRecord[]>;
  /** Termination notices that interrupted an instance in `poolId` at or after `since` (ms): the history risk factor. */
  countInterruptions(poolId: string, since: number): Promise<number>;
  /**
   * The same termination notices by the UTC hour of day they were detected in: 24 counts, index 0 for
   * 00:00–00:59 UTC. The history factor's time-of-day pattern.
   */
  interruptionsByHour(poolId: string, since: number): Promise<number[]>;
  /**
   * The spec's failover performance query over the notices detected at or after `since` (ms): every
   * interruption event as the spec counts them, or only those of `signalType` (termination notices: the
   * failovers proper, without the rebalance recommendations that answer in milliseconds).
   */
  failoverStats(since: number, options?: { signalType?: SignalType }): Promise<FailoverStats>;
  appendSystemEvent(event: SystemEventRecord): Promise<void>;
  /** Newest first. `typePrefix` filters like the spec's `event_type LIKE 'prefix%'`. */
  systemEvents(options: { since: number; agentId?: string; typePrefix?: string; limit?: number }): Promise<SystemEventRecord[]>;
}
