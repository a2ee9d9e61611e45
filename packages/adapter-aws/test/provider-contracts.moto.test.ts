import { AllocateAddressCommand, DescribeSubnetsCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { runComputeProviderContract, runPriceFeedContract, runRouterContract } from '@sef/core/testing';
import { afterAll, beforeAll, expect } from 'vitest';
import { createEc2ComputeProvider, createEc2PriceFeed, createElasticIpRouter } from '../src/index.js';
import { motoCredentials, sefInstancesLeft, startMoto, type MotoServer } from '../src/testing/index.js';

// The provider ports' contract suites on moto's EC2. Moto ignores ClientToken: launch idempotency is
// covered by the wire-format tests (ec2-wire.test.ts, ec2-compute-provider.test.ts) instead.
let moto: MotoServer;
let client: EC2Client;
beforeAll(async () => {
  moto = await startMoto();
  client = new EC2Client({ endpoint: moto.endpoint, region: 'us-east-1', credentials: motoCredentials });
});
afterAll(async () => {
  client?.destroy();
  await moto?.stop();
  // Issue 14: every contract case terminated what it launched (noted before each teardown's reset).
  expect(left).toEqual([]);
});

/** Subnets of moto's default VPC in the AZs the agent may use (us-east-1d has none: its pools are unusable). */
async function subnets(zones: readonly string[]): Promise<Record<string, string>> {
  const out = await client.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }));
  return Object.fromEntries((out.Subnets ?? []).filter((s) => zones.includes(s.AvailabilityZone!)).map((s) => [s.AvailabilityZone!, s.SubnetId!]));
}

/** SEF instances a case left running, found before its teardown resets moto. */
const left: string[] = [];
const fresh = async () => {
  await moto.reset();
  return {
    teardown: async () => {
      left.push(...(await sefInstancesLeft(moto.endpoint)));
      await moto.reset();
    },
  };
};

runComputeProviderContract({
  name: 'EC2 on moto',
  gaps: ['launch-idempotency'],
  propertyRuns: 5,
  setup: async () => {
    const { teardown } = await fresh();
    const zones = await subnets(['us-east-1a', 'us-east-1b']);
    const compute = createEc2ComputeProvider({ client, launchSpec: () => ({ imageId: 'ami-12c6146b', subnets: zones }), pollInterval: 50, consistencyWindow: 500 });
    return { subject: { compute, pools: ['us-east-1a:c5.large', 'us-east-1b:m5.large'], unusablePool: 'us-east-1d:c5.large' }, teardown };
  },
});

runRouterContract({
  name: 'Elastic IP on moto',
  propertyRuns: 5,
  setup: async () => {
    const { teardown } = await fresh();
    const run = await client.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 2, MaxCount: 2, InstanceType: 'c5.large' }));
    const eip = await client.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    const router = createElasticIpRouter({ client, allocationId: () => eip.AllocationId! });
    return { subject: { router, agentId: 'a1', instances: (run.Instances ?? []).map((i) => i.InstanceId!) }, teardown };
  },
});

runPriceFeedContract({
  name: 'EC2 on moto',
  propertyRuns: 5,
  setup: async () => {
    const { teardown } = await fresh();
    const feed = createEc2PriceFeed({ client, instanceTypes: ['c5.large', 'm5.large'], availabilityZones: ['us-east-1a', 'us-east-1b'] });
    return { subject: { feed, agent: { agentId: 'a1', region: 'us-east-1', currentPoolId: 'us-east-1a:c5.large' }, historyPool: 'us-east-1b:c5.large', now: Date.now() }, teardown };
  },
});
