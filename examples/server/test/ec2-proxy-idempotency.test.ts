import { EC2Client } from '@aws-sdk/client-ec2';
import { createEc2ComputeProvider } from '@sef/adapter-aws';
import { motoCredentials, startMoto, stopMotoListingLeft, type MotoServer } from '@sef/adapter-aws/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEc2Proxy, type Ec2Proxy } from './support/ec2-proxy.js';
import { prepareMotoCloud, type MotoCloud } from './support/moto-cloud.js';
import { skipped } from './support/harness.js';

// The chaos suite's EC2 proxy keeps ClientToken idempotency as EC2 does (moto ignores it), and the EC2
// adapter answers a token repeated in another pool with the instance the token launched: one instance
// per notice, whatever pool a resumed run tries first.
describe.skipIf(skipped('moto'))('one launch per ClientToken on moto behind the EC2 proxy', () => {
  let moto: MotoServer | undefined;
  let proxy: Ec2Proxy;
  let cloud: MotoCloud;

  beforeAll(async () => {
    moto = await startMoto();
    proxy = await startEc2Proxy(moto.endpoint);
    cloud = await prepareMotoCloud(moto.endpoint, []);
  }, 120_000);

  afterAll(async () => {
    await cloud?.close();
    await proxy?.close();
    expect(await stopMotoListingLeft(moto)).toEqual([]);
  }, 60_000);

  it('a launch repeated with the same token in another pool is refused by EC2 as a mismatch and answered with the first instance', async () => {
    const subnets = Object.fromEntries(cloud.env['SEF_AWS_SUBNETS']!.split(',').map((kv) => kv.split('=') as [string, string]));
    const compute = createEc2ComputeProvider({
      client: new EC2Client({ endpoint: proxy.endpoint, region: 'us-east-1', credentials: motoCredentials }),
      launchSpec: () => ({ launchTemplate: { name: cloud.env['SEF_AWS_LAUNCH_TEMPLATE']! }, subnets }),
    });
    const request = { agentId: 'a1', role: 'primary', market: 'spot', causeId: 'a1~i-0~term~1' } as const;
    const first = await compute.launch({ ...request, poolId: 'us-east-1a:c5.large' }, { idempotencyToken: 'a1~i-0~term~1:launch' });
    const again = await compute.launch({ ...request, poolId: 'us-east-1a:c5.large' }, { idempotencyToken: 'a1~i-0~term~1:launch' });
    const elsewhere = await compute.launch({ ...request, poolId: 'us-east-1b:m5.large' }, { idempotencyToken: 'a1~i-0~term~1:launch' });
    expect(again.instanceId).toBe(first.instanceId);
    expect(elsewhere).toMatchObject({ instanceId: first.instanceId, poolId: 'us-east-1a:c5.large' });
    expect({ launches: proxy.launches.length, repeats: proxy.repeats, mismatches: proxy.mismatches }).toEqual({ launches: 1, repeats: 1, mismatches: 1 });
    const tagged = (await cloud.instances()).filter((i) => i.cause === request.causeId);
    expect(tagged.map((i) => [i.instanceId, i.clientToken])).toEqual([[first.instanceId, 'a1~i-0~term~1:launch']]);
    await compute.terminate(first.instanceId);
  }, 60_000);
});
