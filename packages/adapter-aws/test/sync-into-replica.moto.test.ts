import { AllocateAddressCommand, AttachVolumeCommand, CreateVolumeCommand, DescribeSubnetsCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { createMemoryLeaseManager, createMemoryStorage, createReplicaManager, parseConfig, systemClock, type ComputeProvider, type ReplicaManager, type Router } from '@sef/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createEc2ComputeProvider, createEc2PriceFeed, createElasticIpRouter } from '../src/index.js';
import { motoCredentials, stopMotoListingLeft, startMoto, type MotoServer } from '../src/testing/index.js';

// The core's failover on EC2-on-moto: a termination notice for a primary whose standby is still syncing
// takes the `sync_into_replica` path (snapshot, restore into the standby, reroute, promote) now that the
// EC2 provider can restore into a running instance. In-memory stores; the notice's deadline is real time.
let moto: MotoServer;
let client: EC2Client;
beforeAll(async () => {
  moto = await startMoto();
  client = new EC2Client({ endpoint: moto.endpoint, region: 'us-east-1', credentials: motoCredentials, maxAttempts: 1 });
});
afterAll(async () => {
  client?.destroy();
  expect(await stopMotoListingLeft(moto)).toEqual([]);
});

const zones = ['us-east-1a', 'us-east-1b'] as const;
const types = ['c5.large', 'm5.large'] as const;

async function setup(): Promise<{ sef: ReplicaManager; compute: ComputeProvider; router: Router }> {
  const out = await client.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }));
  const subnets = Object.fromEntries((out.Subnets ?? []).map((s) => [s.AvailabilityZone!, s.SubnetId!]));
  // moto is instant: the expected latencies only have to fit a 2-minute notice, as EC2's defaults do.
  const compute = createEc2ComputeProvider({ client, launchSpec: () => ({ imageId: 'ami-12c6146b', subnets }), pollInterval: 50, consistencyWindow: 500 });
  const eip = await client.send(new AllocateAddressCommand({ Domain: 'vpc' }));
  const router = createElasticIpRouter({ client, allocationId: () => eip.AllocationId! });
  const priceFeed = createEc2PriceFeed({ client, instanceTypes: [...types], availabilityZones: [...zones] });
  const pools = zones.flatMap((az) => types.map((t) => ({ id: `${az}:${t}`, region: 'us-east-1', availabilityZone: az, instanceType: t })));
  const storage = createMemoryStorage({ clock: systemClock, pools });
  const sef = createReplicaManager({
    storage, compute, priceFeed, router, leases: createMemoryLeaseManager({ clock: systemClock }), clock: systemClock,
    config: parseConfig({}), emit: () => {}, owner: 'sef-1',
  });
  const primary = await compute.launch({ agentId: 'a1', poolId: 'us-east-1a:c5.large', role: 'primary', market: 'spot' }, { idempotencyToken: 'a1:first' });
  await compute.waitUntilRunning(primary.instanceId);
  const data = await client.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 50, VolumeType: 'gp3' }));
  await client.send(new AttachVolumeCommand({ VolumeId: data.VolumeId!, InstanceId: primary.instanceId, Device: '/dev/sdf' }));
  await router.route('a1', primary.instanceId);
  await storage.agents.create({
    id: 'a1', region: 'us-east-1', poolId: primary.poolId, primaryInstanceId: primary.instanceId, primaryLaunchedAt: primary.launchedAt,
    modes: { autoSwitch: false, autoTerminate: false, manualReplica: false },
  });
  return { sef, compute, router };
}

it('a termination notice with a syncing standby restores into it: no instance launched for the emergency, the Elastic IP and the primary move to it', async () => {
  const { sef, compute, router } = await setup();
  try {
    await noticeWithSyncingStandby(sef, compute, router);
  } finally {
    await sef.idle();
    for (const i of await compute.listLaunched()) await compute.terminate(i.instanceId);
  }
}, 60_000);

async function noticeWithSyncingStandby(sef: ReplicaManager, compute: ComputeProvider, router: Router) {
  const first = (await sef.status('a1')).agent.primaryInstanceId;
  expect((await sef.enableManualReplica('a1')).replica).toBeDefined();
  await sef.idle();
  const standby = (await sef.status('a1')).replica!;
  expect(standby.status).toBe('syncing'); // its agent has not reported ready
  expect(await compute.describe(standby.instanceId!)).toMatchObject({ state: 'running' });
  const launchedBefore = (await compute.listLaunched()).map((i) => i.instanceId);

  const now = Date.now();
  const { handled, event } = await sef.handleSignal({ type: 'termination-notice', agentId: 'a1', instanceId: first, noticeTime: now, actionTime: now + 120_000, action: 'terminate', source: 'api' });
  expect(handled).toBe(true);
  expect(event).toMatchObject({ success: true, outcome: 'synced_into_replica' });
  expect(event.steps.slice(0, 6).map((s) => `${s.name}:${s.ok}`)).toEqual([
    'decide_path:true', 'snapshot:true', 'restore_into_replica:true', 'reroute:true', 'promote:true', 'mark_old_terminated:true',
  ]);
  expect((await sef.status('a1')).agent.primaryInstanceId).toBe(standby.instanceId);
  expect(await router.current('a1')).toBe(standby.instanceId);
  // The primary's root and data snapshots are volumes on the promoted standby, in its AZ.
  const { snapshotIds } = event.steps.find((s) => s.name === 'snapshot')!.result as { snapshotIds: string[] };
  const restored = (await client.send(new DescribeVolumesCommand({ Filters: [{ Name: 'snapshot-id', Values: snapshotIds }] }))).Volumes ?? [];
  expect(snapshotIds).toHaveLength(2);
  expect(restored.map((v) => [v.Attachments?.[0]?.InstanceId, v.Attachments?.[0]?.State, v.AvailabilityZone])).toEqual(
    snapshotIds.map(() => [standby.instanceId, 'attached', standby.poolId.split(':')[0]]));
  // No emergency launch: the only instance launched since is manual mode's next standby.
  await sef.idle();
  const launchedAfter = (await compute.listLaunched()).filter((i) => !launchedBefore.includes(i.instanceId));
  expect(launchedAfter.map((i) => i.role)).toEqual(['replica']);
  expect(launchedAfter[0]!.causeId).toMatch(/:next$/); // launched after the notice, for the next standby
}
