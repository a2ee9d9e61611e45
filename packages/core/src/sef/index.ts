export { createSef } from './create-sef.js';
export { Sef, type AgentRegistration } from './sef.js';
export type { SefOptions, IngestOptions, IngestResult, SefStats } from './options.js';
