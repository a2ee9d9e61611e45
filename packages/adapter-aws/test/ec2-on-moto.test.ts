import { DescribeImagesCommand, DescribeInstancesCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createEc2ComputeProvider } from '../src/index.js';
import { motoCredentials, stopMotoListingLeft, startMoto, type MotoServer } from '../src/testing/index.js';
import { awsError } from './aws-errors.js';

let moto: MotoServer;
let client: EC2Client;
/** Commands (by name) to refuse once with a throttling error, as EC2 does under load. */
const throttleOnce = new Set<string>();
beforeAll(async () => {
  moto = await startMoto();
  client = new EC2Client({ endpoint: moto.endpoint, region: 'us-east-1', credentials: motoCredentials, maxAttempts: 1 });
  client.middlewareStack.add((next, context) => async (args) => {
    if (throttleOnce.delete(context.commandName ?? '')) throw awsError('RequestLimitExceeded', { status: 503 });
    return next(args);
  }, { step: 'initialize', name: 'throttleOnce' });
});
afterAll(async () => {
  // Issue 14: nothing SEF launched may be left running at the end of a moto suite (moto stops either way).
  client?.destroy();
  expect(await stopMotoListingLeft(moto)).toEqual([]);
});

it('a snapshot retried after CreateTags was throttled restores: the instance boots from an image of its snapshots', async () => {
  await moto.reset();
  const subnets = await client.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }));
  const zones = Object.fromEntries((subnets.Subnets ?? []).map((s) => [s.AvailabilityZone!, s.SubnetId!]));
  const compute = createEc2ComputeProvider({ client, launchSpec: () => ({ imageId: 'ami-12c6146b', subnets: zones }), pollInterval: 50 });
  const source = await compute.launch({ agentId: 'a1', poolId: 'us-east-1a:c5.large', role: 'primary', market: 'spot' }, { idempotencyToken: 'boot' });
  await compute.waitUntilRunning(source.instanceId);

  throttleOnce.add('CreateTagsCommand');
  await expect(compute.snapshot(source.instanceId, { idempotencyToken: 'sig-1:snapshot' })).rejects.toMatchObject({ code: 'PROVIDER', retryable: true });
  const { snapshotIds } = await compute.snapshot(source.instanceId, { idempotencyToken: 'sig-1:snapshot' });
  expect(snapshotIds.length).toBe(1);

  const restored = await compute.launch(
    { agentId: 'a1', poolId: 'us-east-1b:c5.large', role: 'primary', market: 'spot', snapshotIds },
    { idempotencyToken: 'sig-1:emergency' },
  );
  const described = await client.send(new DescribeInstancesCommand({ InstanceIds: [restored.instanceId] }));
  const imageId = described.Reservations?.[0]?.Instances?.[0]?.ImageId;
  const image = await client.send(new DescribeImagesCommand({ ImageIds: [imageId!] }));
  // Without the device tags the launch fails for good ("No root volume among snapshots").
  expect(image.Images?.[0]?.Name).toMatch(/^sef-restore-[0-9a-f]{32}$/);
  expect(image.Images?.[0]?.RootDeviceName).toBe('/dev/sda1');
  for (const id of [source.instanceId, restored.instanceId]) await compute.terminate(id);
  const left = await client.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['pending', 'running'] }] }));
  expect(left.Reservations?.flatMap((r) => r.Instances ?? []) ?? []).toEqual([]);
});
