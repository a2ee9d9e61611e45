import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { instanceTags } from '../ec2-instances.js';
import { motoCredentials, type MotoServer } from './moto-server.js';

/**
 * The instances SEF launched (tagged `sef:agent`) that still run or may run (`pending`, `running`,
 * `stopping`, `stopped`) in the moto server at `endpoint`, every page: what a suite asserts is empty at its
 * end. Ids, sorted.
 * @example
 * afterAll(async () => expect(await sefInstancesLeft(moto.endpoint)).toEqual([]));
 */
export async function sefInstancesLeft(endpoint: string, region = 'us-east-1'): Promise<string[]> {
  const ec2 = new EC2Client({ endpoint, region, credentials: motoCredentials });
  const ids: string[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await ec2.send(new DescribeInstancesCommand({
        Filters: [{ Name: 'tag-key', Values: [instanceTags.agent] }, { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] }],
        ...(token ? { NextToken: token } : {}),
      }));
      for (const i of page.Reservations?.flatMap((r) => r.Instances ?? []) ?? []) ids.push(i.InstanceId!);
      token = page.NextToken || undefined;
    } while (token);
  } finally {
    ec2.destroy();
  }
  return ids.sort();
}

/**
 * The end of a moto suite: lists what {@link sefInstancesLeft} finds, then stops the server, also when the
 * listing fails (that failure is thrown after the stop). Ids, sorted; `[]` when the server never started.
 * @example
 * afterAll(async () => expect(await stopMotoListingLeft(moto)).toEqual([]));
 */
export async function stopMotoListingLeft(moto: MotoServer | undefined): Promise<string[]> {
  if (!moto) return [];
  try {
    return await sefInstancesLeft(moto.endpoint);
  } finally {
    await moto.stop();
  }
}
