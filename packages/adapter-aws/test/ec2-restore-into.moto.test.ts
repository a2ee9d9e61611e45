import { AttachVolumeCommand, CreateVolumeCommand, DescribeInstancesCommand, DescribeSubnetsCommand, DescribeVolumesCommand, EC2Client, type Volume } from '@aws-sdk/client-ec2';
import type { ComputeProvider } from '@sef/core';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createEc2ComputeProvider } from '../src/index.js';
import { motoCredentials, stopMotoListingLeft, startMoto, type MotoServer } from '../src/testing/index.js';

// restoreInto on moto's EC2: CreateVolume in the target's AZ, AttachVolume at free devices, DeleteOnTermination.
// Moto ignores CreateVolume's ClientToken, so a retry that creates nothing new is the sef:token lookup at work.
let moto: MotoServer;
let client: EC2Client;
/** Called before each command is sent (by command name): a test's hook into the call sequence. */
let beforeSend: (command: string) => void = () => {};
beforeAll(async () => {
  moto = await startMoto();
  client = new EC2Client({ endpoint: moto.endpoint, region: 'us-east-1', credentials: motoCredentials, maxAttempts: 1 });
  client.middlewareStack.add((next, context) => async (args) => {
    beforeSend(context.commandName ?? '');
    return next(args);
  }, { step: 'initialize', name: 'beforeSend' });
});
afterAll(async () => {
  client?.destroy();
  expect(await stopMotoListingLeft(moto)).toEqual([]);
});

let compute: ComputeProvider;
beforeEach(async () => {
  beforeSend = () => {};
  await moto.reset();
  const subnets = await client.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }));
  const zones = Object.fromEntries((subnets.Subnets ?? []).map((s) => [s.AvailabilityZone!, s.SubnetId!]));
  compute = createEc2ComputeProvider({ client, launchSpec: () => ({ imageId: 'ami-12c6146b', subnets: zones }), pollInterval: 20, tags: { team: 'infra' } });
});

/** A running instance of agent a1 in the AZ, with a data volume at /dev/sdf (type gp3, 20 GiB, 4000 IOPS, 250 MiB/s). */
async function instanceWithData(az: string, role: 'primary' | 'replica', token: string) {
  const info = await compute.launch({ agentId: 'a1', poolId: `${az}:c5.large`, role, market: 'spot' }, { idempotencyToken: token });
  await compute.waitUntilRunning(info.instanceId);
  const data = await client.send(new CreateVolumeCommand({ AvailabilityZone: az, Size: 20, VolumeType: 'gp3', Iops: 4000, Throughput: 250 }));
  await client.send(new AttachVolumeCommand({ VolumeId: data.VolumeId!, InstanceId: info.instanceId, Device: '/dev/sdf' }));
  return info.instanceId;
}
const volumesOf = async (snapshotIds: readonly string[]): Promise<Volume[]> =>
  (await client.send(new DescribeVolumesCommand({ Filters: [{ Name: 'snapshot-id', Values: [...snapshotIds] }] }))).Volumes ?? [];
const mappings = async (instanceId: string) =>
  (await client.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations![0]!.Instances![0]!.BlockDeviceMappings ?? [];
const tag = (v: Volume, key: string) => v.Tags?.find((t) => t.Key === key)?.Value;

it('one volume per snapshot in the replica\'s AZ, attached at free data devices, DeleteOnTermination; a retry with the token creates and attaches nothing new', async () => {
  const primary = await instanceWithData('us-east-1a', 'primary', 'boot');
  const replica = await instanceWithData('us-east-1b', 'replica', 'replica');
  const { snapshotIds } = await compute.snapshot(primary, { idempotencyToken: 'n1:snapshot' });
  expect(snapshotIds).toHaveLength(2); // root and data

  await compute.restoreInto(replica, snapshotIds, { idempotencyToken: 'n1:restore_into' });
  const restored = await volumesOf(snapshotIds);
  expect(restored.map((v) => v.SnapshotId).sort()).toEqual([...snapshotIds].sort());
  for (const v of restored) {
    expect(v).toMatchObject({ AvailabilityZone: 'us-east-1b', State: 'in-use', Attachments: [{ InstanceId: replica, State: 'attached' }] });
    expect([tag(v, 'sef:agent'), tag(v, 'sef:token'), tag(v, 'sef:restored-into'), tag(v, 'team')]).toEqual(['a1', 'n1:restore_into', replica, 'infra']);
  }
  // The data snapshot's volume has its source's type, size, IOPS and throughput.
  expect(restored.find((v) => v.Size === 20)).toMatchObject({ VolumeType: 'gp3', Iops: 4000, Throughput: 250 });
  // The replica's own root (/dev/sda1) and data (/dev/sdf) stay; the restored volumes come next, marked to go with the instance.
  const byDevice = Object.fromEntries((await mappings(replica)).map((m) => [m.DeviceName, m.Ebs]));
  expect(Object.keys(byDevice).sort()).toEqual(['/dev/sda1', '/dev/sdf', '/dev/sdg', '/dev/sdh']);
  expect(restored.map((v) => v.Attachments![0]!.Device).sort()).toEqual(['/dev/sdg', '/dev/sdh']);
  expect([byDevice['/dev/sdg']!.DeleteOnTermination, byDevice['/dev/sdh']!.DeleteOnTermination]).toEqual([true, true]);

  const attaches: string[] = [];
  beforeSend = (command) => void (command === 'CreateVolumeCommand' || command === 'AttachVolumeCommand' ? attaches.push(command) : undefined);
  await compute.restoreInto(replica, snapshotIds, { idempotencyToken: 'n1:restore_into' });
  expect(attaches).toEqual([]);
  expect((await volumesOf(snapshotIds)).map((v) => v.VolumeId).sort()).toEqual(restored.map((v) => v.VolumeId).sort());

  // DeleteOnTermination: terminating the replica takes the restored volumes with it (moto deletes them).
  for (const id of [primary, replica]) await compute.terminate(id);
  expect(await volumesOf(snapshotIds)).toEqual([]);
});

it('a call that died after creating the volumes is finished by a retry with its token: no second volume, each attached once', async () => {
  const primary = await instanceWithData('us-east-1a', 'primary', 'boot');
  const replica = await instanceWithData('us-east-1b', 'replica', 'replica');
  const { snapshotIds } = await compute.snapshot(primary, { idempotencyToken: 'n2:snapshot' });
  const abort = new AbortController();
  const reason = new Error('process died');
  beforeSend = (command) => {
    if (command === 'AttachVolumeCommand') abort.abort(reason);
  };
  await expect(compute.restoreInto(replica, snapshotIds, { signal: abort.signal, idempotencyToken: 'n2:restore_into' })).rejects.toBe(reason);
  const half = await volumesOf(snapshotIds);
  expect(half).toHaveLength(2);
  expect(half.every((v) => v.State === 'available')).toBe(true);

  beforeSend = () => {};
  await compute.restoreInto(replica, snapshotIds, { idempotencyToken: 'n2:restore_into' });
  const done = await volumesOf(snapshotIds);
  expect(done.map((v) => v.VolumeId).sort()).toEqual(half.map((v) => v.VolumeId).sort());
  expect(done.map((v) => v.Attachments?.map((a) => a.InstanceId))).toEqual([[replica], [replica]]);
  expect((await mappings(replica)).map((m) => m.DeviceName).sort()).toEqual(['/dev/sda1', '/dev/sdf', '/dev/sdg', '/dev/sdh']);
  for (const id of [primary, replica]) await compute.terminate(id);
});

it('an aborted signal rejects with its reason at once and creates nothing; a stopped or unknown target is refused', async () => {
  const primary = await instanceWithData('us-east-1a', 'primary', 'boot');
  const replica = await instanceWithData('us-east-1b', 'replica', 'replica');
  const { snapshotIds } = await compute.snapshot(primary, { idempotencyToken: 'n3:snapshot' });
  const reason = new Error('notice deadline');
  const sent: string[] = [];
  beforeSend = (command) => void sent.push(command);
  const started = Date.now();
  await expect(compute.restoreInto(replica, snapshotIds, { signal: AbortSignal.abort(reason), idempotencyToken: 'n3:restore_into' })).rejects.toBe(reason);
  expect(Date.now() - started).toBeLessThan(1000);
  expect(sent).toEqual([]);
  expect(await volumesOf(snapshotIds)).toEqual([]);

  await expect(compute.restoreInto('i-00000000000000000', snapshotIds, { idempotencyToken: 'n3:unknown' })).rejects.toMatchObject({ code: 'PROVIDER' });
  await compute.terminate(replica);
  await expect(compute.restoreInto(replica, snapshotIds, { idempotencyToken: 'n3:gone' })).rejects.toThrow(/not running/);
  expect(await volumesOf(snapshotIds)).toEqual([]);
  await compute.terminate(primary);
});
