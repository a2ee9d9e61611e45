// Contract test suites, one per port, shared by the in-memory implementations and every adapter.
// Each suite registers vitest tests; call it at the top level of a test file.
export type { ContractOptions, ContractSetup } from './contract.js';
export { runPriceStoreContract } from './price-store.js';
export { runConvergenceContract } from './convergence.js';
export { runAgentStoreContract } from './agent-store.js';
export { runPoolStoreContract } from './pool-store.js';
export { runDedupeBufferContract } from './dedupe-buffer.js';
export { runIngestQueueContract } from './ingest-queue.js';
export { runReplicaStoreContract } from './replica-store.js';
export { runEventStoreContract } from './event-store.js';
export { runComputeProviderContract, type ComputeProviderContractOptions, type ComputeProviderFixture } from './compute-provider.js';
export { runRouterContract, type RouterFixture } from './router.js';
export { runPriceFeedContract, type PriceFeedFixture } from './price-feed.js';
export { runLeaseManagerContract, type LeaseManagerContractOptions, type LeaseManagerSetup } from './lease-manager.js';
export { runSignalSourceContract } from './signal-source.js';
export type { IssuedNotice, SignalSourceContractOptions, SignalSourceSetup } from './signal-source-setup.js';
// Fixtures of the dedupe-buffer suite, for adapters' own buffer tests.
export { policy as bufferTestPolicy, report as sourceReport, sorted as sortedReports } from './dedupe-buffer-fixtures.js';
export { referenceTimeline, timelineRows, type TimelineRow } from './timeline-reference.js';
