export * from './errors/index.js';
export * from './config/index.js';
export * from './clock/index.js';
export type * from './ports/index.js';
export type * from './events/index.js';
export * from './sef/index.js';
export * from './memory/index.js';
export { validateReports, maxIdLength, maxRegionLength, maxUnixSeconds, textProblem, type ValidationContext, type ValidationResult, type RejectedReport } from './validation/index.js';
export { storeReports, type TimelineOutcome, type TimelineConfig, type MergedPair, type FilledGap } from './timeline/index.js';
export { createFleetSimulation, type FleetOptions, type FleetSimulation, type FleetAgent, type FleetBatch, type RawReport } from './sim/fleet.js';
export { simulatedPools, simulatedZones, simulatedInstanceTypes } from './sim/pool-catalog.js';
export { poolId, parsePoolId } from './pools/index.js';
export { bufferPolicy, nearerTwin, pairRearmedAt, pairStillHonoured, repeatReplaces, withinTolerance } from './dedupe/index.js';
export * from './failover/index.js';
export * from './risk/index.js';
export * from './modes/index.js';
export {
  createSimulatedCloud,
  realisticLatencies,
  zeroLatencies,
  type SimulatedCloud,
  type SimulatedCloudOptions,
  type SimLatencies,
  type SimFaults,
  type SimMethod,
} from './sim/cloud.js';
export { createSimulatedPrices, unitHash, type SimulatedPrices } from './sim/cloud-prices.js';
export { SeededRandom } from './sim/fleet-random.js';
