import type { Sef } from '@sef/core';

/**
 * The part of `@sef/core`'s `Sef` the server uses: ingest and storage for the data routes, the replica
 * manager's methods for the control routes, and the events for metrics and the decision log.
 */
export type ServerSef = Pick<
  Sef,
  | 'storage'
  | 'registerAgent'
  | 'ingest'
  | 'flush'
  | 'start'
  | 'stop'
  | 'stats'
  | 'on'
  | 'off'
  | 'setModes'
  | 'enableManualReplica'
  | 'disableManualReplica'
  | 'manualSwitch'
  | 'acceptSignal'
  | 'handleSignal'
  | 'replicaHeartbeat'
>;
