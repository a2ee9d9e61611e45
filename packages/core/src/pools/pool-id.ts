/**
 * The pool id format, `<availability zone>:<instance type>` (`us-east-1a:c5.large`): one spot capacity pool.
 * Owned by the core; the simulated cloud and every adapter build and read pool ids with these two.
 */

/** Pool id of an instance type in an AZ: `us-east-1a:c5.large`. */
export const poolId = (availabilityZone: string, instanceType: string): string => `${availabilityZone}:${instanceType}`;

/** Splits a pool id; undefined when it is not of the form `<az>:<type>`. */
export function parsePoolId(id: string): { availabilityZone: string; instanceType: string; region: string } | undefined {
  const m = /^([a-z]{2}(?:-[a-z]+)+-\d+)([a-z])?:([a-z0-9]+\.[a-z0-9]+)$/.exec(id);
  if (!m || !m[2]) return undefined;
  return { region: m[1]!, availabilityZone: `${m[1]}${m[2]}`, instanceType: m[3]! };
}
