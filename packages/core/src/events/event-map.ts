import type { Issue } from '../errors/index.js';
import type {
  AgentModes,
  InterruptionEventRecord,
  PriceReport,
  QualityFlag,
  ReplicaRecord,
  SeriesKey,
  SourceReport,
  StepRecord,
} from '../ports/types.js';

/** A gap between two consecutive real points of a series (seconds). */
export interface GapEvent {
  readonly series: SeriesKey;
  readonly from: number;
  readonly to: number;
  /** `to - from`, seconds. */
  readonly length: number;
}

export type AlertKind =
  | 'high_interpolation_rate'
  | 'slow_replica_creation'
  | 'failed_failover'
  | 'unfillable_gap'
  | 'no_safe_pool';

export interface Alert {
  readonly kind: AlertKind;
  readonly message: string;
  readonly agentId?: string;
  /** ms */
  readonly at: number;
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * Why the reconciliation sweep ended an instance SEF launched: its agent is gone (`unknown_agent`); its
 * record was never written (`no_record`); its record ended but the instance still ran, a cleanup that
 * failed (`ended`); a standby no mode wants any more (`mode_disabled`); an active record that is not the
 * agent's standby (`superseded`).
 */
export type OrphanReason = 'unknown_agent' | 'no_record' | 'ended' | 'mode_disabled' | 'superseded';

/** A decision of the reconciliation sweep about one orphaned instance. */
export interface OrphanDecision {
  readonly instanceId: string;
  readonly agentId: string;
  readonly reason: OrphanReason;
  /** The replica record the instance belongs to, if any. */
  readonly replicaId: string | null;
  /**
   * `terminate_failed` after every retry: the next sweep tries again. `spared`: launched for a notice still
   * open and within its deadline (`noticeId`), whose resumed run may take it up; judged again once it ends.
   */
  readonly outcome: 'terminated' | 'terminate_failed' | 'spared';
  /** Terminate calls made (retries of eventually consistent or retryable errors included). */
  readonly attempts: number;
  readonly error?: string;
  /** The open notice a `spared` instance was launched for. */
  readonly noticeId?: string;
  /** ms */
  readonly at: number;
}

export interface RiskFactors {
  readonly interruptionHistory: number;
  readonly instanceAge: number;
  readonly priceVolatility: number;
}

export interface RiskScore {
  readonly agentId: string;
  readonly poolId: string;
  readonly score: number;
  readonly factors: RiskFactors;
  /** `heuristic`, or the name of the risk model that answered. */
  readonly source: string;
  /** ms */
  readonly at: number;
}

/**
 * Every event a `Sef` instance emits, with its payload (`sef.on('gap.filled', (e) => ...)`).
 * `error` carries background failures (a sweep that could not reach the store, ...), never swallowed.
 */
export interface SefEvents {
  'report.accepted': (e: { report: SourceReport }) => void;
  'report.rejected': (e: { report: unknown; index: number; issues: readonly Issue[] }) => void;
  'report.merged': (e: { series: SeriesKey; timestamp: number; flag: QualityFlag; price: number; primaryPrice: number; replicaPrice: number }) => void;
  'gap.detected': (e: GapEvent) => void;
  'gap.filled': (e: GapEvent & { points: number }) => void;
  'gap.unfillable': (e: GapEvent) => void;
  /** An unfillable gap reported before is gone: late reports arrived inside it (its alert is retracted). */
  'gap.retracted': (e: GapEvent) => void;
  'risk.scored': (e: RiskScore) => void;
  'risk.model_fallback': (e: { agentId: string; model: string; reason: string }) => void;
  'replica.launching': (e: { replica: ReplicaRecord }) => void;
  'replica.ready': (e: { replica: ReplicaRecord }) => void;
  'replica.promoted': (e: { replica: ReplicaRecord }) => void;
  'replica.terminated': (e: { replica: ReplicaRecord; reason: string }) => void;
  /** A notice arrived: recorded now, or a duplicate of one recorded before (then `notice` is that one). */
  'notice.received': (e: { notice: InterruptionEventRecord; duplicate: boolean }) => void;
  /** A notice's response recorded a step starting or ending (`finishedAt` null while it runs). */
  'notice.progress': (e: { noticeId: string; agentId: string; deadline: number; steps: readonly StepRecord[] }) => void;
  /**
   * An attempt at a notice failed and is tried again at `retryAt` (ms), until the notice's deadline: a
   * warning, not an error. When the last attempt fails the notice ends with `failover.failed` (and an
   * alert) or, for a rebalance, one `error`.
   */
  'notice.retry': (e: { noticeId: string; agentId: string; attempt: number; error: unknown; retryAt: number; deadline: number }) => void;
  'failover.completed': (e: { event: InterruptionEventRecord; steps: readonly StepRecord[] }) => void;
  'failover.failed': (e: { event: InterruptionEventRecord; steps: readonly StepRecord[]; error: string }) => void;
  'instance.orphaned': (e: OrphanDecision) => void;
  'mode.changed': (e: { agentId: string; modes: AgentModes; previous: AgentModes }) => void;
  alert: (e: Alert) => void;
  /**
   * An alert raised before no longer holds, with the same `kind`, `agentId` and `details` as the alert:
   * today an `unfillable_gap` that late reports filled. The alerts raised and not retracted are those
   * the stored data gives, whatever order the reports came in.
   */
  'alert.retracted': (e: Alert) => void;
  error: (e: { error: unknown; context: string }) => void;
}

/** Raw reports as received, before validation. */
export type IncomingReport = Partial<PriceReport> | Record<string, unknown>;
