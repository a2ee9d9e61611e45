export { createReplicaManager, type AgentReplicaStatus, type ReplicaHeartbeatState, type ReplicaManager } from './replica-manager.js';
export type { ReplicaManagerDeps } from './context.js';
export type { SefEmit } from './emit.js';
export type { ManualResult } from './manual.js';
export type { SignalHandling } from './signal-handler.js';
export type { SweepResult } from './sweep.js';
export type { FlowResult } from './termination.js';
export { signalId, stepToken } from './ids.js';
export { abortable, deadlineSignal, timeoutSignal } from './deadline.js';
