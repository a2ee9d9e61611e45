import { poolId } from '../pools/index.js';
import type { PoolRecord } from '../ports/types.js';

/** Availability zones the simulated cloud knows (API.md: us-east-1 and us-west-2). */
export const simulatedZones: Readonly<Record<string, readonly string[]>> = {
  'us-east-1': ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1e', 'us-east-1f'],
  'us-west-2': ['us-west-2a', 'us-west-2b', 'us-west-2c', 'us-west-2d'],
};

/** Common instance sizes with a typical on-demand price (USD/h), from which simulated spot prices derive. */
export const simulatedInstanceTypes: Readonly<Record<string, number>> = {
  'c5.large': 0.085, 'c5.xlarge': 0.17, 'c5.2xlarge': 0.34, 'c5.4xlarge': 0.68,
  'm5.large': 0.096, 'm5.xlarge': 0.192, 'm5.2xlarge': 0.384, 'm5.4xlarge': 0.768,
  'r5.large': 0.126, 'r5.xlarge': 0.252, 'r5.2xlarge': 0.504, 'r5.4xlarge': 1.008,
  't3.micro': 0.0104, 't3.small': 0.0208, 't3.medium': 0.0416, 't3.large': 0.0832, 't3.xlarge': 0.1664,
};

/** Every pool of the simulated cloud. */
export function simulatedPools(): PoolRecord[] {
  const pools: PoolRecord[] = [];
  for (const [region, zones] of Object.entries(simulatedZones)) {
    for (const az of zones) {
      for (const type of Object.keys(simulatedInstanceTypes)) {
        pools.push({ id: poolId(az, type), region, availabilityZone: az, instanceType: type });
      }
    }
  }
  return pools;
}
