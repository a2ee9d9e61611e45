import type { AgentModes, InterruptionSignal, Sef } from '@sef/core';

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
 * The part of `@sef/core`'s `Sef` the server uses. The replica methods are optional until the core wires
 * them into the facade; their routes answer 503 meanwhile, never pretend.
 */
export type ServerSef = Pick<Sef, 'storage' | 'registerAgent' | 'ingest' | 'flush' | 'start' | 'stop' | 'stats' | 'on' | 'off'> & Partial<ReplicaApi>;
