import type {
  AgentModes,
  AgentRecord,
  InterruptionSignal,
  Issue,
  SefEvents,
  SefStorage,
  SourceReport,
} from '@sef/core';

/** What `Sef.ingest` answers: accepted reports (or their count) and every rejected one with its reasons. */
export interface IngestResult {
  readonly accepted: readonly SourceReport[] | number;
  readonly rejected: readonly { readonly index: number; readonly issues: readonly Issue[] }[];
}

/** The replica-management part of the `Sef` facade (wired into core from `createReplicaManager`). */
export interface ReplicaApi {
  setModes(agentId: string, change: Partial<AgentModes>): Promise<unknown>;
  enableManualReplica(agentId: string): Promise<unknown>;
  disableManualReplica(agentId: string): Promise<unknown>;
  manualSwitch(agentId: string): Promise<unknown>;
  handleSignal(signal: InterruptionSignal): Promise<unknown>;
  replicaHeartbeat(agentId: string, instanceId: string, state: 'syncing' | 'ready'): Promise<unknown>;
}

/**
 * The part of `@sef/core`'s `Sef` facade the server uses, typed here so the server compiles against the
 * planned API while the core lands. A real `Sef` is assignable to it; the replica methods are optional
 * until the core wires them (the routes then answer 503, never pretend).
 */
export interface ServerSef extends Partial<ReplicaApi> {
  readonly storage: SefStorage;
  registerAgent(input: { id: string; instanceId: string; poolId: string; region?: string }): Promise<AgentRecord>;
  ingest(reports: unknown[], options: { agentId: string }): Promise<IngestResult>;
  flush(): Promise<unknown>;
  start(): unknown;
  stop(): Promise<unknown>;
  on<K extends keyof SefEvents>(event: K, fn: SefEvents[K]): unknown;
  off<K extends keyof SefEvents>(event: K, fn: SefEvents[K]): unknown;
}

/** Count of accepted reports whatever form the core gives them in. */
export const acceptedCount = (r: IngestResult): number => (typeof r.accepted === 'number' ? r.accepted : r.accepted.length);
