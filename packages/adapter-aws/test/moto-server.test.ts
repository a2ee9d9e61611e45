import { DescribeInstancesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { motoCredentials, stopMotoListingLeft, startMoto, type MotoServer } from '../src/testing/index.js';

let moto: MotoServer;
beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  // Issue 14: nothing SEF launched may be left running at the end of a moto suite (moto stops either way).
  expect(await stopMotoListingLeft(moto)).toEqual([]);
});

it('starts a private moto server that the EC2 client talks to, and resets it', async () => {
  const ec2 = new EC2Client({ endpoint: moto.endpoint, region: 'us-east-1', credentials: motoCredentials });
  const run = await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1 }));
  const id = run.Instances?.[0]?.InstanceId;
  expect(id).toMatch(/^i-/);
  const before = await ec2.send(new DescribeInstancesCommand({}));
  expect(before.Reservations?.flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId)).toEqual([id]);
  await moto.reset();
  const after = await ec2.send(new DescribeInstancesCommand({}));
  expect(after.Reservations ?? []).toEqual([]);
  ec2.destroy();
});
