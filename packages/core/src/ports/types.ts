/**
 * Records shared by the ports. Units: a price report's `timestamp` is unix **seconds** (the API's and
 * the spec's unit); lifecycle times (`createdAt`, `detectedAt`, ...) are unix **milliseconds**.
 */

/** Which of an agent's instances sent a report. Always derived from SEF's state, never from the report. */
export type Role = 'primary' | 'replica';

/** The quality flag stored with every point of a timeline (`data_quality_flag` in the spec). */
export type QualityFlag = 'single_source' | 'verified_dual_source' | 'averaged_dual_source' | 'interpolated';

/** Which sources a stored point came from (`source` column). */
export type PointSource = 'primary' | 'replica' | 'dual' | 'interpolated';

/** One time series: an agent's view of one spot pool. */
export interface SeriesKey {
  readonly agentId: string;
  readonly poolId: string;
}

/** A price report as an agent sends it (validated shape). */
export interface PriceReport {
  readonly agentId: string;
  readonly instanceId: string;
  readonly poolId: string;
  /** Unix seconds. */
  readonly timestamp: number;
  /** USD per hour. */
  readonly price: number;
}

/** An accepted report with the role SEF assigned to its instance. The unit the buffer and the store work with. */
export interface SourceReport extends PriceReport {
  readonly role: Role;
}

/**
 * A point of the stored timeline. A real point keeps the source values it was derived from, so that a
 * late twin can still be merged into it and the timeline can be recomputed from the stored rows alone.
 */
export interface StoredPoint {
  readonly agentId: string;
  readonly poolId: string;
  /** Unix seconds: the primary's timestamp when the primary reported, else the replica's. */
  readonly timestamp: number;
  readonly price: number;
  readonly flag: QualityFlag;
  readonly source: PointSource;
  /** The primary's reported price, or null. */
  readonly primaryPrice: number | null;
  /** The replica's reported price, or null. */
  readonly replicaPrice: number | null;
  /** The replica's own timestamp (it may differ from `timestamp` by up to the time tolerance), or null. */
  readonly replicaTimestamp: number | null;
}

/** Market of an instance. */
export type Market = 'spot' | 'on-demand';

/** A spot pool: one instance type in one availability zone, id `<az>:<type>` (`us-east-1a:c5.large`). */
export interface PoolRecord {
  readonly id: string;
  readonly region: string;
  readonly availabilityZone: string;
  readonly instanceType: string;
}

/** The three mode flags of an agent. Manual excludes both auto flags. */
export interface AgentModes {
  readonly autoSwitch: boolean;
  readonly autoTerminate: boolean;
  readonly manualReplica: boolean;
}

export interface AgentRecord {
  readonly id: string;
  readonly region: string;
  /** Pool of the current primary. */
  readonly poolId: string;
  readonly primaryInstanceId: string;
  /** Launch time of the primary (ms), for the instance-age risk factor. */
  readonly primaryLaunchedAt: number;
  /** The current replica's instance, once it has one. */
  readonly replicaInstanceId: string | null;
  readonly modes: AgentModes;
  /** Hash of the agent's API token (the example server's); the core never sees the token. */
  readonly tokenHash: string | null;
  /** Increases by one on every write: the compare-and-set version. */
  readonly version: number;
  /** Highest fencing token a write has carried; writes with a lower one are refused. */
  readonly fencingToken: number;
  readonly createdAt: number;
}

export type NewAgent = Pick<AgentRecord, 'id' | 'region' | 'poolId' | 'primaryInstanceId'> &
  Partial<Pick<AgentRecord, 'modes' | 'tokenHash' | 'primaryLaunchedAt' | 'createdAt'>>;

/** Fields of an agent that a compare-and-set may change. */
export type AgentPatch = Partial<
  Pick<AgentRecord, 'poolId' | 'primaryInstanceId' | 'primaryLaunchedAt' | 'replicaInstanceId' | 'modes' | 'tokenHash'>
>;

export type ReplicaStatus = 'launching' | 'syncing' | 'ready' | 'promoted' | 'terminated' | 'failed';
export type ReplicaType = 'auto' | 'manual' | 'emergency';

/** One replica (row of `replica_instances`). */
export interface ReplicaRecord {
  readonly id: string;
  readonly agentId: string;
  /** Known once the provider answered the launch. */
  readonly instanceId: string | null;
  readonly poolId: string;
  readonly market: Market;
  readonly replicaType: ReplicaType;
  readonly status: ReplicaStatus;
  readonly createdAt: number;
  readonly readyAt: number | null;
  /** When it was promoted, terminated or failed. */
  readonly endedAt: number | null;
  /** The signal (or manual request) that caused it: also the provider's idempotency token seed. */
  readonly causeId: string;
}

export type SignalType = 'rebalance-recommendation' | 'termination-notice';

/** What the instance will undergo at `actionTime` (IMDS `instance-action`). Hibernate has no 2-minute lead. */
export type InstanceAction = 'terminate' | 'stop' | 'hibernate';

/** A rebalance recommendation or an interruption notice for one instance. */
export interface InterruptionSignal {
  readonly type: SignalType;
  /**
   * The instance the notice concerns: the agent's primary or its current replica. Absent: the agent's
   * primary at the notice's first receipt (`agentId` is then required), so repeats stay duplicates after
   * the failover changed the primary.
   */
  readonly instanceId?: string;
  /** Set when the source knows it (the API path names the agent; EventBridge only knows the instance). */
  readonly agentId?: string;
  /** When AWS issued the notice (ms). Part of the signal's identity. */
  readonly noticeTime: number;
  /** When the instance will be interrupted (ms), for termination notices. */
  readonly actionTime?: number;
  readonly action?: InstanceAction;
  readonly source: 'imds' | 'eventbridge' | 'api' | 'simulated';
}

/** One step of a handled signal or manual action, for the record. */
export interface StepRecord {
  readonly name: string;
  readonly startedAt: number;
  /** Null while the step runs: a failover records each step before it starts and again when it ends. */
  readonly finishedAt: number | null;
  /** Null while the step runs. */
  readonly ok: boolean | null;
  readonly detail?: string;
  /** What a finished step produced (plain JSON), so that a resumed failover reuses it instead of acting again. */
  readonly result?: unknown;
}

/** The role of a notice's instance when the notice was first received. */
export type NoticeRole = 'primary' | 'replica';

/** A received signal and its response so far (row of `spot_interruption_events`): open while `success` is null. */
export interface InterruptionEventRecord {
  /** Stable id derived from the notice (agent, instance, type, notice time): the exactly-once key. */
  readonly id: string;
  readonly agentId: string;
  readonly instanceId: string;
  readonly poolId: string;
  readonly signalType: SignalType;
  /** The instance's role at the first receipt: at most one `primary` notice per (agent, signal type, notice time). */
  readonly instanceRole: NoticeRole;
  readonly detectedAt: number;
  readonly noticeTime: number;
  readonly actionTime: number | null;
  /** When the response must be done (ms): `actionTime`, else detection + `terminationGracePeriod`. */
  readonly deadline: number;
  /** Null while the response is still running. */
  readonly responseTimeMs: number | null;
  readonly success: boolean | null;
  /** What SEF did: `replica_started`, `monitor`, `promoted`, `synced_into_replica`, `emergency_recovery`, `failed`, ... */
  readonly outcome: string | null;
  readonly steps: readonly StepRecord[];
}

/** An entry of `system_events`: SEF decisions and alerts, for the record. */
export interface SystemEventRecord {
  readonly eventType: string;
  readonly agentId: string | null;
  readonly createdAt: number;
  readonly payload: Readonly<Record<string, unknown>>;
}
