/** Pool id of an instance type in an AZ: `us-east-1a:c5.large` (the core's format). */
export const toPoolId = (availabilityZone: string, instanceType: string): string => `${availabilityZone}:${instanceType}`;

/** Splits a pool id `<az>:<instanceType>`; undefined when it is not one (same rule as the core's catalog). */
export function parsePoolId(id: string): { availabilityZone: string; instanceType: string; region: string } | undefined {
  const m = /^([a-z]{2}(?:-[a-z]+)+-\d+)([a-z])?:([a-z0-9]+\.[a-z0-9]+)$/.exec(id);
  if (!m || !m[2]) return undefined;
  return { region: m[1]!, availabilityZone: `${m[1]}${m[2]}`, instanceType: m[3]! };
}
