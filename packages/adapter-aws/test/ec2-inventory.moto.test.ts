import { DescribeSubnetsCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createEc2ComputeProvider } from '../src/index.js';
import { listLaunchedInstances } from '../src/ec2-inventory.js';
import { motoCredentials, sefInstancesLeft, startMoto, type MotoServer } from '../src/testing/index.js';

const IMAGE = 'ami-12c6146b';
let moto: MotoServer;
let client: EC2Client;
beforeAll(async () => {
  moto = await startMoto();
  client = new EC2Client({ endpoint: moto.endpoint, region: 'us-east-1', credentials: motoCredentials });
}, 60_000);
afterAll(async () => {
  client?.destroy();
  await moto?.stop();
  // Issue 14: every test terminated what it launched.
  expect(left).toEqual([]);
});
/** SEF instances a test left running, found before the reset between tests. */
const left: string[] = [];
afterEach(async () => {
  left.push(...(await sefInstancesLeft(moto.endpoint)));
  await moto.reset();
});

async function provider() {
  const subnets = (await client.send(new DescribeSubnetsCommand({}))).Subnets ?? [];
  const byAz = Object.fromEntries(subnets.map((s) => [s.AvailabilityZone!, s.SubnetId!]));
  return createEc2ComputeProvider({ client, launchSpec: () => ({ imageId: IMAGE, subnets: byAz }), pollInterval: 50 });
}

it('lists the instances SEF launched (tagged) with agent and role, not an untagged one, not a terminated one', async () => {
  const compute = await provider();
  const a = await compute.launch({ agentId: 'a1', poolId: 'us-east-1a:c5.large', role: 'replica', market: 'spot' }, { idempotencyToken: 't-a' });
  const b = await compute.launch({ agentId: 'a2', poolId: 'us-east-1b:m5.large', role: 'primary', market: 'on-demand' }, { idempotencyToken: 't-b' });
  const c = await compute.launch({ agentId: 'a2', poolId: 'us-east-1b:m5.large', role: 'replica', market: 'spot' }, { idempotencyToken: 't-c' });
  await client.send(new RunInstancesCommand({ ImageId: IMAGE, MinCount: 1, MaxCount: 1 })); // not SEF's
  await compute.terminate(c.instanceId);
  const listed = await compute.listLaunched();
  expect(listed.map(({ instanceId, agentId, role, poolId }) => ({ instanceId, agentId, role, poolId })).sort((x, y) => x.agentId.localeCompare(y.agentId))).toEqual([
    { instanceId: a.instanceId, agentId: 'a1', role: 'replica', poolId: 'us-east-1a:c5.large' },
    { instanceId: b.instanceId, agentId: 'a2', role: 'primary', poolId: 'us-east-1b:m5.large' },
  ]);
  for (const i of listed) expect(['pending', 'running']).toContain(i.state);
  for (const i of listed) await compute.terminate(i.instanceId);
});

it('follows NextToken through every page', async () => {
  const compute = await provider();
  const launched: string[] = [];
  for (let i = 0; i < 12; i++) {
    launched.push((await compute.launch({ agentId: `a${i}`, poolId: 'us-east-1a:c5.large', role: 'replica', market: 'spot' }, { idempotencyToken: `page-${i}` })).instanceId);
  }
  const listed = await listLaunchedInstances(client, undefined, 5);
  expect(listed.map((i) => i.instanceId).sort()).toEqual([...launched].sort());
  for (const id of launched) await compute.terminate(id);
});
