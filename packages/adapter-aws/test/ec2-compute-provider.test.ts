import {
  CreateSnapshotsCommand,
  CreateTagsCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  RegisterImageCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import { CapacityError, PoolUnusableError, ProviderError, createFakeClock } from '@sef/core';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createEc2ComputeProvider } from '../src/index.js';
import { awsError } from './aws-errors.js';

const ec2 = mockClient(EC2Client);
afterEach(() => ec2.reset());

const client = new EC2Client({ region: 'us-east-1' });
const launchSpec = () => ({
  launchTemplate: { id: 'lt-0abc', version: '3' },
  subnets: { 'us-east-1a': 'subnet-aaa', 'us-east-1b': 'subnet-bbb' },
  securityGroupIds: ['sg-1'],
});
const instance = (over: Partial<Instance> = {}): Instance => ({
  InstanceId: 'i-0123456789abcdef0',
  InstanceType: 'c5.large',
  Placement: { AvailabilityZone: 'us-east-1b' },
  State: { Name: 'pending', Code: 0 },
  LaunchTime: new Date('2026-01-01T00:00:00Z'),
  InstanceLifecycle: 'spot',
  ...over,
});
const reservation = (i: Instance) => ({ Reservations: [{ Instances: [i] }] });

describe('EC2 compute provider: command inputs', () => {
  it('launches a spot instance in the pool with the agent template, the AZ subnet, tags and a ClientToken from the signal', async () => {
    ec2.on(RunInstancesCommand).resolves({ Instances: [instance()] });
    const compute = createEc2ComputeProvider({ client, launchSpec });
    const info = await compute.launch(
      { agentId: 'agent-1', poolId: 'us-east-1b:c5.large', role: 'replica', market: 'spot', causeId: 'sig-123' },
      { idempotencyToken: 'sig-123:replica' },
    );
    expect(info).toEqual({ instanceId: 'i-0123456789abcdef0', poolId: 'us-east-1b:c5.large', market: 'spot', state: 'pending', launchedAt: Date.UTC(2026, 0, 1) });
    const tags = [{ Key: 'sef:agent', Value: 'agent-1' }, { Key: 'sef:role', Value: 'replica' }, { Key: 'sef:token', Value: 'sig-123:replica' }, { Key: 'sef:cause', Value: 'sig-123' }];
    expect(ec2.commandCalls(RunInstancesCommand)[0]!.args[0].input).toEqual({
      MinCount: 1,
      MaxCount: 1,
      ClientToken: 'sig-123:replica',
      InstanceType: 'c5.large',
      SubnetId: 'subnet-bbb',
      LaunchTemplate: { LaunchTemplateId: 'lt-0abc', Version: '3' },
      SecurityGroupIds: ['sg-1'],
      InstanceMarketOptions: { MarketType: 'spot', SpotOptions: { SpotInstanceType: 'one-time', InstanceInterruptionBehavior: 'terminate' } },
      TagSpecifications: [{ ResourceType: 'instance', Tags: tags }, { ResourceType: 'volume', Tags: tags }],
    });
  });

  it('a launch template with network interfaces gets the subnet (and groups) in the interface override, never SubnetId beside it', async () => {
    ec2.on(RunInstancesCommand).resolves({ Instances: [instance()] });
    const compute = createEc2ComputeProvider({
      client,
      launchSpec: () => ({ ...launchSpec(), networkInterface: { associatePublicIpAddress: true } }),
    });
    await compute.launch({ agentId: 'a', poolId: 'us-east-1b:c5.large', role: 'replica', market: 'spot' }, { idempotencyToken: 't' });
    const input = ec2.commandCalls(RunInstancesCommand)[0]!.args[0].input;
    // Real EC2 answers InvalidParameterCombination to SubnetId or SecurityGroupIds beside network interfaces.
    expect(input.SubnetId).toBeUndefined();
    expect(input.SecurityGroupIds).toBeUndefined();
    expect(input.NetworkInterfaces).toEqual([{ DeviceIndex: 0, SubnetId: 'subnet-bbb', Groups: ['sg-1'], AssociatePublicIpAddress: true }]);
    expect(input.LaunchTemplate).toEqual({ LaunchTemplateId: 'lt-0abc', Version: '3' });
  });

  it('the on-demand fallback has no market options', async () => {
    ec2.on(RunInstancesCommand).resolves({ Instances: [instance({ InstanceLifecycle: undefined })] });
    const compute = createEc2ComputeProvider({ client, launchSpec: () => ({ imageId: 'ami-1', subnets: { 'us-east-1b': 'subnet-bbb' } }) });
    const info = await compute.launch({ agentId: 'a', poolId: 'us-east-1b:c5.large', role: 'primary', market: 'on-demand' }, { idempotencyToken: 't' });
    const input = ec2.commandCalls(RunInstancesCommand)[0]!.args[0].input;
    expect(input.InstanceMarketOptions).toBeUndefined();
    expect(input.ImageId).toBe('ami-1');
    expect(info.market).toBe('on-demand');
  });

  it('the same idempotency token always gives the same ClientToken of at most 64 characters; different tokens differ', () => {
    ec2.on(RunInstancesCommand).resolves({ Instances: [instance()] });
    const compute = createEc2ComputeProvider({ client, launchSpec });
    const tokenOf = async (t: string) => {
      ec2.resetHistory();
      await compute.launch({ agentId: 'a', poolId: 'us-east-1a:c5.large', role: 'replica', market: 'spot' }, { idempotencyToken: t });
      return ec2.commandCalls(RunInstancesCommand)[0]!.args[0].input.ClientToken!;
    };
    return fc.assert(fc.asyncProperty(fc.string({ minLength: 1, maxLength: 200 }), fc.string({ minLength: 1, maxLength: 200 }), async (a, b) => {
      const [ta, ta2, tb] = [await tokenOf(a), await tokenOf(a), await tokenOf(b)];
      expect(ta).toBe(ta2);
      expect(ta.length).toBeLessThanOrEqual(64);
      expect(/^[\x21-\x7e]+$/.test(ta)).toBe(true);
      if (a !== b) expect(ta).not.toBe(tb);
    }), { numRuns: 50 });
  });

  it.each(['InsufficientInstanceCapacity', 'SpotMaxPriceTooLow', 'MaxSpotInstanceCountExceeded', 'Unsupported'])(
    '%s becomes a CapacityError naming the pool, with the SDK error as cause',
    async (code) => {
      const cause = awsError(code, { status: code === 'InsufficientInstanceCapacity' ? 500 : 400 });
      ec2.on(RunInstancesCommand).rejects(cause);
      const compute = createEc2ComputeProvider({ client, launchSpec });
      const error = await compute.launch({ agentId: 'a', poolId: 'us-east-1a:c5.large', role: 'replica', market: 'spot' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CapacityError);
      expect(error).toMatchObject({ code: 'CAPACITY', poolId: 'us-east-1a:c5.large', cause });
    },
  );

  it('a token that launched before in another pool (IdempotentParameterMismatch) answers the instance tagged with it, launching none', async () => {
    const first = instance({ InstanceId: 'i-first', Placement: { AvailabilityZone: 'us-east-1a' } });
    ec2.on(RunInstancesCommand).rejects(awsError('IdempotentParameterMismatch'));
    ec2.on(DescribeInstancesCommand).resolves(reservation(first));
    const compute = createEc2ComputeProvider({ client, launchSpec });
    const info = await compute.launch({ agentId: 'a', poolId: 'us-east-1b:c5.large', role: 'primary', market: 'spot', causeId: 'n1' }, { idempotencyToken: 'n1:launch' });
    expect(info).toMatchObject({ instanceId: 'i-first', poolId: 'us-east-1a:c5.large' });
    expect(ec2.commandCalls(DescribeInstancesCommand)[0]!.args[0].input).toEqual({ Filters: [{ Name: 'tag:sef:token', Values: ['n1:launch'] }] });
    // No instance with the token (another request used it): the mismatch stands, as a final ProviderError.
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    const e = await compute.launch({ agentId: 'a', poolId: 'us-east-1b:c5.large', role: 'primary', market: 'spot' }, { idempotencyToken: 'n1:launch' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ProviderError);
    expect(e).toMatchObject({ retryable: false, message: expect.stringContaining('IdempotentParameterMismatch') });
  });

  it('a cause id longer than a tag value holds (256) is tagged by its hash, the same for the same id', async () => {
    ec2.on(RunInstancesCommand).resolves({ Instances: [instance()] });
    const compute = createEc2ComputeProvider({ client, launchSpec });
    const causeTag = async (causeId: string) => {
      ec2.resetHistory();
      await compute.launch({ agentId: 'a', poolId: 'us-east-1b:c5.large', role: 'replica', market: 'spot', causeId }, { idempotencyToken: 't' });
      return ec2.commandCalls(RunInstancesCommand)[0]!.args[0].input.TagSpecifications![0]!.Tags!.find((t) => t.Key === 'sef:cause')!.Value!;
    };
    const long = 'x'.repeat(300);
    expect(await causeTag(long)).toHaveLength(64);
    expect(await causeTag(long)).toBe(await causeTag(long));
    expect(await causeTag(`${long}y`)).not.toBe(await causeTag(long));
    expect(await causeTag('n'.repeat(256))).toBe('n'.repeat(256));
  });

  it('throttling becomes a retryable ProviderError; an invalid parameter a final one', async () => {
    const compute = createEc2ComputeProvider({ client, launchSpec });
    const req = { agentId: 'a', poolId: 'us-east-1a:c5.large', role: 'replica', market: 'spot' } as const;
    ec2.on(RunInstancesCommand).rejects(awsError('RequestLimitExceeded', { status: 503 }));
    await expect(compute.launch(req)).rejects.toMatchObject({ code: 'PROVIDER', retryable: true });
    ec2.on(RunInstancesCommand).rejects(awsError('InvalidParameterValue'));
    const e = await compute.launch(req).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ProviderError);
    expect(e).toMatchObject({ retryable: false });
  });

  it('a pool without a subnet for its AZ is refused before any call as unusable (the core tries the next pool)', async () => {
    const compute = createEc2ComputeProvider({ client, launchSpec });
    const error = await compute.launch({ agentId: 'a', poolId: 'us-east-1f:c5.large', role: 'replica', market: 'spot' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PoolUnusableError);
    expect(error).toMatchObject({ code: 'POOL_UNUSABLE', poolId: 'us-east-1f:c5.large' });
    expect(ec2.calls()).toHaveLength(0);
  });

  it('a subnet EC2 no longer knows makes the pool unusable, not the failover', async () => {
    ec2.on(RunInstancesCommand).rejects(awsError('InvalidSubnetID.NotFound'));
    const compute = createEc2ComputeProvider({ client, launchSpec });
    const error = await compute.launch({ agentId: 'a', poolId: 'us-east-1a:c5.large', role: 'replica', market: 'spot' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'POOL_UNUSABLE', poolId: 'us-east-1a:c5.large' });
  });

  it('waits until running, polling on the clock; a terminated instance ends the wait', async () => {
    const clock = createFakeClock(0);
    ec2.on(DescribeInstancesCommand)
      .rejectsOnce(awsError('InvalidInstanceID.NotFound'))
      .resolvesOnce(reservation(instance()))
      .resolves(reservation(instance({ State: { Name: 'running', Code: 16 } })));
    const compute = createEc2ComputeProvider({ client, launchSpec, clock, pollInterval: 5000 });
    const done = compute.waitUntilRunning('i-0123456789abcdef0');
    await clock.advance(5000);
    await clock.advance(5000);
    await expect(done).resolves.toMatchObject({ state: 'running' });
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(3);
    expect(ec2.commandCalls(DescribeInstancesCommand)[0]!.args[0].input).toEqual({ InstanceIds: ['i-0123456789abcdef0'] });

    ec2.on(DescribeInstancesCommand).resolves(reservation(instance({ State: { Name: 'terminated', Code: 48 } })));
    await expect(compute.waitUntilRunning('i-0123456789abcdef0')).rejects.toBeInstanceOf(ProviderError);
  });

  it('an aborted wait rejects with the signal reason', async () => {
    const clock = createFakeClock(0);
    ec2.on(DescribeInstancesCommand).resolves(reservation(instance()));
    const compute = createEc2ComputeProvider({ client, launchSpec, clock });
    const abort = new AbortController();
    const done = compute.waitUntilRunning('i-1', { signal: abort.signal });
    await clock.advance(0);
    const reason = new Error('deadline');
    abort.abort(reason);
    await expect(done).rejects.toBe(reason);
  });

  it('terminate right after launch: NotFound (not visible yet) is retried with backoff until TerminateInstances succeeds', async () => {
    const clock = createFakeClock(0);
    ec2.on(TerminateInstancesCommand)
      .rejectsOnce(awsError('InvalidInstanceID.NotFound'))
      .rejectsOnce(awsError('InvalidInstanceID.NotFound'))
      .resolves({ TerminatingInstances: [{ InstanceId: 'i-new', CurrentState: { Name: 'shutting-down', Code: 32 } }] });
    const compute = createEc2ComputeProvider({ client, launchSpec, clock });
    let done = false;
    const terminated = compute.terminate('i-new').then(() => (done = true));
    await clock.advance(0);
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(1);
    expect(done).toBe(false);
    await clock.advance(1000);
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(2);
    expect(done).toBe(false);
    await clock.advance(2000);
    await terminated;
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(3);
    expect(ec2.commandCalls(TerminateInstancesCommand)[2]!.args[0].input).toEqual({ InstanceIds: ['i-new'] });
  });

  it('an instance EC2 does not know for the whole consistency window counts as gone; describe returns undefined for it', async () => {
    const clock = createFakeClock(0);
    ec2.on(TerminateInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));
    ec2.on(DescribeInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));
    const compute = createEc2ComputeProvider({ client, launchSpec, clock, consistencyWindow: 30_000 });
    let done = false;
    const terminated = compute.terminate('i-gone').then(() => (done = true));
    await clock.advance(29_000);
    expect(done).toBe(false);
    await clock.advance(10_000);
    await terminated;
    const calls = ec2.commandCalls(TerminateInstancesCommand).length;
    expect(calls).toBeGreaterThanOrEqual(4);
    expect(calls).toBeLessThanOrEqual(10);
    await expect(compute.describe('i-gone')).resolves.toBeUndefined();
  });

  it('listLaunched gives each tagged instance its agent, role and cause (the sef:cause tag), none when untagged', async () => {
    const tags = (cause?: string) => [{ Key: 'sef:agent', Value: 'a1' }, { Key: 'sef:role', Value: 'replica' }, ...(cause ? [{ Key: 'sef:cause', Value: cause }] : [])];
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [instance({ InstanceId: 'i-caused', Tags: tags('a1~i-a1~term~0') }), instance({ InstanceId: 'i-plain', Tags: tags() })] }],
    });
    const listed = await createEc2ComputeProvider({ client, launchSpec }).listLaunched();
    expect(listed.map((i) => ({ id: i.instanceId, agentId: i.agentId, role: i.role, causeId: i.causeId }))).toEqual([
      { id: 'i-caused', agentId: 'a1', role: 'replica', causeId: 'a1~i-a1~term~0' },
      { id: 'i-plain', agentId: 'a1', role: 'replica', causeId: undefined },
    ]);
    expect('causeId' in listed[1]!).toBe(false);
  });

  it('an aborted terminate stops retrying and rejects with the signal reason', async () => {
    const clock = createFakeClock(0);
    ec2.on(TerminateInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));
    const compute = createEc2ComputeProvider({ client, launchSpec, clock });
    const abort = new AbortController();
    const terminated = compute.terminate('i-new', { signal: abort.signal });
    await clock.advance(0);
    const reason = new Error('deadline');
    abort.abort(reason);
    await expect(terminated).rejects.toBe(reason);
  });
});

describe('EC2 compute provider: emergency snapshot and launch from it', () => {
  const source = instance({
    InstanceId: 'i-old',
    State: { Name: 'running', Code: 16 },
    Architecture: 'arm64',
    RootDeviceName: '/dev/xvda',
    BlockDeviceMappings: [
      { DeviceName: '/dev/xvda', Ebs: { VolumeId: 'vol-root' } },
      { DeviceName: '/dev/sdf', Ebs: { VolumeId: 'vol-data' } },
    ],
  });

  it('snapshots all volumes in one CreateSnapshots call and tags each snapshot with its device', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
    ec2.on(DescribeInstancesCommand).resolves(reservation(source));
    ec2.on(CreateSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-2', VolumeId: 'vol-data' }, { SnapshotId: 'snap-1', VolumeId: 'vol-root' }] });
    ec2.on(CreateTagsCommand).resolves({});
    const compute = createEc2ComputeProvider({ client, launchSpec });
    await expect(compute.snapshot('i-old', { idempotencyToken: 'sig-9' })).resolves.toEqual({ snapshotIds: ['snap-1', 'snap-2'] });
    expect(ec2.commandCalls(DescribeSnapshotsCommand)[0]!.args[0].input).toEqual({ OwnerIds: ['self'], Filters: [{ Name: 'tag:sef:token', Values: ['sig-9'] }] });
    expect(ec2.commandCalls(CreateSnapshotsCommand)[0]!.args[0].input).toEqual({
      InstanceSpecification: { InstanceId: 'i-old', ExcludeBootVolume: false },
      Description: 'SEF emergency snapshot of i-old',
      CopyTagsFromSource: 'volume',
      TagSpecifications: [{ ResourceType: 'snapshot', Tags: [
        { Key: 'sef:source-instance', Value: 'i-old' }, { Key: 'sef:architecture', Value: 'arm64' }, { Key: 'sef:token', Value: 'sig-9' },
      ] }],
    });
    const tagInputs = ec2.commandCalls(CreateTagsCommand).map((c) => c.args[0].input);
    expect(tagInputs).toContainEqual({ Resources: ['snap-1'], Tags: [{ Key: 'sef:device', Value: '/dev/xvda' }, { Key: 'sef:root', Value: 'true' }] });
    expect(tagInputs).toContainEqual({ Resources: ['snap-2'], Tags: [{ Key: 'sef:device', Value: '/dev/sdf' }] });
  });

  it('a retry after CreateTags was throttled repairs the device tags the first call never wrote', async () => {
    ec2.on(DescribeSnapshotsCommand).resolvesOnce({ Snapshots: [] });
    ec2.on(DescribeInstancesCommand).resolves(reservation(source));
    ec2.on(CreateSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-2', VolumeId: 'vol-data' }, { SnapshotId: 'snap-1', VolumeId: 'vol-root' }] });
    ec2.on(CreateTagsCommand).rejects(awsError('RequestLimitExceeded', { status: 503 }));
    const compute = createEc2ComputeProvider({ client, launchSpec });
    await expect(compute.snapshot('i-old', { idempotencyToken: 'sig-9' })).rejects.toMatchObject({ retryable: true });
    ec2.on(CreateTagsCommand).resolves({});

    // The retry finds the first call's snapshots by their token tag; one of them lacks its device tags.
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [
      { SnapshotId: 'snap-1', VolumeId: 'vol-root', Tags: [{ Key: 'sef:token', Value: 'sig-9' }] },
      { SnapshotId: 'snap-2', VolumeId: 'vol-data', Tags: [{ Key: 'sef:token', Value: 'sig-9' }, { Key: 'sef:device', Value: '/dev/sdf' }] },
    ] });
    ec2.resetHistory();
    await expect(compute.snapshot('i-old', { idempotencyToken: 'sig-9' })).resolves.toEqual({ snapshotIds: ['snap-1', 'snap-2'] });
    expect(ec2.commandCalls(CreateSnapshotsCommand)).toHaveLength(0);
    expect(ec2.commandCalls(CreateTagsCommand).map((c) => c.args[0].input)).toEqual([
      { Resources: ['snap-1'], Tags: [{ Key: 'sef:device', Value: '/dev/xvda' }, { Key: 'sef:root', Value: 'true' }] },
    ]);
  });

  it('a retried snapshot with the same token returns the first snapshots, creates none and tags none', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [
      { SnapshotId: 'snap-1', VolumeId: 'vol-root', Tags: [{ Key: 'sef:device', Value: '/dev/xvda' }, { Key: 'sef:root', Value: 'true' }] },
    ] });
    const compute = createEc2ComputeProvider({ client, launchSpec });
    await expect(compute.snapshot('i-old', { idempotencyToken: 'sig-9' })).resolves.toEqual({ snapshotIds: ['snap-1'] });
    expect(ec2.commandCalls(CreateSnapshotsCommand)).toHaveLength(0);
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
    expect(ec2.commandCalls(CreateTagsCommand)).toHaveLength(0);
  });

  it('launch from snapshots waits for them to complete, registers one image from them and launches it', async () => {
    const clock = createFakeClock(0);
    const tagged = (state: 'pending' | 'completed') => ({ Snapshots: [
      { SnapshotId: 'snap-1', State: state, Tags: [{ Key: 'sef:device', Value: '/dev/xvda' }, { Key: 'sef:root', Value: 'true' }, { Key: 'sef:architecture', Value: 'arm64' }, { Key: 'sef:source-instance', Value: 'i-old' }] },
      { SnapshotId: 'snap-2', State: state, Tags: [{ Key: 'sef:device', Value: '/dev/sdf' }] },
    ] });
    ec2.on(DescribeImagesCommand).resolves({ Images: [] });
    ec2.on(DescribeSnapshotsCommand).resolvesOnce(tagged('pending')).resolves(tagged('completed'));
    ec2.on(RegisterImageCommand).resolves({ ImageId: 'ami-restore' });
    ec2.on(RunInstancesCommand).resolves({ Instances: [instance()] });
    const compute = createEc2ComputeProvider({ client, launchSpec, clock, pollInterval: 1000 });
    const launched = compute.launch(
      { agentId: 'a', poolId: 'us-east-1b:c5.large', role: 'primary', market: 'spot', snapshotIds: ['snap-1', 'snap-2'] },
      { idempotencyToken: 'sig-9:emergency' },
    );
    await clock.advance(1000);
    await expect(launched).resolves.toMatchObject({ instanceId: 'i-0123456789abcdef0' });
    expect(ec2.commandCalls(DescribeSnapshotsCommand)[0]!.args[0].input).toEqual({ SnapshotIds: ['snap-1', 'snap-2'] });
    const register = ec2.commandCalls(RegisterImageCommand)[0]!.args[0].input;
    expect(register).toMatchObject({
      Architecture: 'arm64',
      RootDeviceName: '/dev/xvda',
      VirtualizationType: 'hvm',
      EnaSupport: true,
      BlockDeviceMappings: [
        { DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-1', DeleteOnTermination: true } },
        { DeviceName: '/dev/sdf', Ebs: { SnapshotId: 'snap-2', DeleteOnTermination: true } },
      ],
    });
    expect(register.Name).toMatch(/^sef-restore-[0-9a-f]{32}$/);
    expect(ec2.commandCalls(DescribeImagesCommand)[0]!.args[0].input).toEqual({ Owners: ['self'], Filters: [{ Name: 'name', Values: [register.Name] }] });
    expect(ec2.commandCalls(RunInstancesCommand)[0]!.args[0].input).toMatchObject({ ImageId: 'ami-restore', ClientToken: 'sig-9:emergency', SubnetId: 'subnet-bbb' });
  });

  it('a retried restore finds the image of the first call and registers none', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: 'ami-first' }] });
    ec2.on(RunInstancesCommand).resolves({ Instances: [instance()] });
    const compute = createEc2ComputeProvider({ client, launchSpec });
    await compute.launch({ agentId: 'a', poolId: 'us-east-1b:c5.large', role: 'primary', market: 'spot', snapshotIds: ['snap-1'] }, { idempotencyToken: 't' });
    expect(ec2.commandCalls(RegisterImageCommand)).toHaveLength(0);
    expect(ec2.commandCalls(RunInstancesCommand)[0]!.args[0].input.ImageId).toBe('ami-first');
  });
});
