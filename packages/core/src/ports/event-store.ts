import type { InterruptionEventRecord, StepRecord, SystemEventRecord } from './types.js';

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
 * Handled interruption signals (`spot_interruption_events`) and the event log (`system_events`).
 *
 * Promises:
 * - `recordSignal` inserts only when no record with the same `id` exists, atomically: of two concurrent
 *   calls with one id exactly one gets `created: true`. This is the exactly-once gate for notices.
 * - `completeSignal` sets the outcome once; a second completion throws `ConflictError`. With `fencingToken`,
 *   a stale token throws `StaleFencingTokenError` (tokens are per agent, shared with the `AgentStore`).
 */
export interface EventStore {
  recordSignal(event: InterruptionEventRecord): Promise<{ created: boolean; event: InterruptionEventRecord }>;
  completeSignal(id: string, outcome: SignalOutcome, options?: { fencingToken?: number }): Promise<InterruptionEventRecord>;
  getSignal(id: string): Promise<InterruptionEventRecord | undefined>;
  /** Signals detected at or after `since` (ms), newest first; for one agent or all. */
  listSignals(options: { since: number; agentId?: string; limit?: number }): Promise<InterruptionEventRecord[]>;
  /** Termination notices that interrupted an instance in `poolId` at or after `since` (ms): the history risk factor. */
  countInterruptions(poolId: string, since: number): Promise<number>;
  /**
   * The same termination notices by the UTC hour of day they were detected in: 24 counts, index 0 for
   * 00:00–00:59 UTC. The history factor's time-of-day pattern.
   */
  interruptionsByHour(poolId: string, since: number): Promise<number[]>;
  /** The spec's failover performance query over termination notices detected at or after `since` (ms). */
  failoverStats(since: number): Promise<FailoverStats>;
  appendSystemEvent(event: SystemEventRecord): Promise<void>;
  /** Newest first. `typePrefix` filters like the spec's `event_type LIKE 'prefix%'`. */
  systemEvents(options: { since: number; agentId?: string; typePrefix?: string; limit?: number }): Promise<SystemEventRecord[]>;
}
