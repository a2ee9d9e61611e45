import { createHash } from 'node:crypto';
import {
  CreateSnapshotsCommand,
  CreateTagsCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  RegisterImageCommand,
  type ArchitectureValues,
  type EC2Client,
  type Snapshot,
} from '@aws-sdk/client-ec2';
import type { Clock, SnapshotInfo } from '@sef/core';
import { ProviderError } from '@sef/core';
import { awsErrorCode, callAws, toSefError } from './errors.js';
import { tagValue } from './ec2-instances.js';

/** Tags SEF puts on emergency snapshots, so that any SEF instance can boot from them later. */
export const snapshotTags = {
  sourceInstance: 'sef:source-instance',
  token: 'sef:token',
  device: 'sef:device',
  root: 'sef:root',
  architecture: 'sef:architecture',
} as const;

export interface SnapshotContext {
  readonly client: EC2Client;
  readonly clock: Clock;
  readonly pollInterval: number;
}

const send = (signal: AbortSignal | undefined) => (signal ? { abortSignal: signal } : {});

/** The volumes of the instance by id: device name, and whether it is the root device. */
async function volumesOf(client: EC2Client, instanceId: string, signal: AbortSignal | undefined) {
  const described = await callAws('DescribeInstances', () =>
    client.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }), send(signal)), { ...(signal ? { signal } : {}) });
  const instance = described.Reservations?.[0]?.Instances?.[0];
  if (!instance) throw new ProviderError(`Instance ${instanceId} not found for snapshot`);
  const devices = new Map<string, string>();
  for (const m of instance.BlockDeviceMappings ?? []) if (m.Ebs?.VolumeId && m.DeviceName) devices.set(m.Ebs.VolumeId, m.DeviceName);
  return { instance, devices };
}

/**
 * Writes `sef:device` (and `sef:root`) on each snapshot, from the volume it was taken of.
 * CreateSnapshots cannot tag per volume, so this is a second call that may fail after the snapshots exist.
 */
async function tagDevices(
  client: EC2Client,
  snapshots: readonly Snapshot[],
  source: { devices: ReadonlyMap<string, string>; rootDevice: string | undefined },
  signal: AbortSignal | undefined,
): Promise<void> {
  await Promise.all(snapshots.map((s) => {
    if (!s.SnapshotId) return undefined;
    const device = s.VolumeId ? source.devices.get(s.VolumeId) : undefined;
    if (device === undefined) return undefined;
    const deviceTags: { Key: string; Value: string }[] = [{ Key: snapshotTags.device, Value: device }];
    if (device === source.rootDevice) deviceTags.push({ Key: snapshotTags.root, Value: 'true' });
    return callAws('CreateTags', () => client.send(new CreateTagsCommand({ Resources: [s.SnapshotId!], Tags: deviceTags }), send(signal)),
      { ...(signal ? { signal } : {}) });
  }));
}

/**
 * Snapshots every volume of the instance in one crash-consistent call (CreateSnapshots), then tags each
 * snapshot with its device name. With a token, a retry finds the snapshots of the first call instead,
 * and writes the device tags the first call did not get to (CreateTags throttled after CreateSnapshots).
 */
export async function snapshotInstance(ctx: SnapshotContext, instanceId: string, token: string | undefined, signal?: AbortSignal): Promise<SnapshotInfo> {
  const { client } = ctx;
  if (token !== undefined) {
    const found = await callAws('DescribeSnapshots', () =>
      client.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: `tag:${snapshotTags.token}`, Values: [token] }] }), send(signal)),
    { ...(signal ? { signal } : {}) });
    const snapshots = (found.Snapshots ?? []).filter((s) => s.SnapshotId);
    if (snapshots.length > 0) {
      const untagged = snapshots.filter((s) => tagValue(s.Tags, snapshotTags.device) === undefined);
      if (untagged.length > 0) {
        const { instance, devices } = await volumesOf(client, instanceId, signal);
        const lost = untagged.filter((s) => !s.VolumeId || !devices.has(s.VolumeId));
        if (lost.length > 0) {
          throw new ProviderError(`Snapshots ${lost.map((s) => s.SnapshotId).join(', ')} have no device tag and their volumes are no longer attached to ${instanceId}`);
        }
        await tagDevices(client, untagged, { devices, rootDevice: instance.RootDeviceName }, signal);
      }
      return { snapshotIds: snapshots.map((s) => s.SnapshotId!).sort() };
    }
  }
  const { instance, devices } = await volumesOf(client, instanceId, signal);
  const tags = [
    { Key: snapshotTags.sourceInstance, Value: instanceId },
    ...(instance.Architecture ? [{ Key: snapshotTags.architecture, Value: instance.Architecture }] : []),
    ...(token !== undefined ? [{ Key: snapshotTags.token, Value: token }] : []),
  ];
  const created = await callAws('CreateSnapshots', () =>
    client.send(new CreateSnapshotsCommand({
      InstanceSpecification: { InstanceId: instanceId, ExcludeBootVolume: false },
      Description: `SEF emergency snapshot of ${instanceId}`,
      CopyTagsFromSource: 'volume',
      TagSpecifications: [{ ResourceType: 'snapshot', Tags: tags }],
    }), send(signal)), { ...(signal ? { signal } : {}) });
  const snapshots = created.Snapshots ?? [];
  await tagDevices(client, snapshots, { devices, rootDevice: instance.RootDeviceName }, signal);
  return { snapshotIds: snapshots.flatMap((s) => (s.SnapshotId ? [s.SnapshotId] : [])).sort() };
}

/**
 * An AMI whose volumes are the given snapshots (the root one boots). Waits until every snapshot is
 * `completed` (EC2 refuses to register pending ones). The AMI name is derived from the token and the
 * snapshots, so a retry finds the image of the first call instead of registering a second one.
 */
export async function imageFromSnapshots(ctx: SnapshotContext, snapshotIds: readonly string[], token: string, signal?: AbortSignal): Promise<string> {
  const { client } = ctx;
  const at = signal ? { signal } : {};
  const name = `sef-restore-${createHash('sha256').update(`${token}|${[...snapshotIds].sort().join(',')}`).digest('hex').slice(0, 32)}`;
  const existing = async () => {
    const images = await callAws('DescribeImages', () =>
      client.send(new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'name', Values: [name] }] }), send(signal)), at);
    return images.Images?.[0]?.ImageId;
  };
  const found = await existing();
  if (found) return found;

  const Snapshots = await completedSnapshots(ctx, snapshotIds, signal);
  const root = Snapshots.find((s) => tagValue(s.Tags, snapshotTags.root) === 'true');
  const rootDevice = tagValue(root?.Tags, snapshotTags.device);
  if (!root || rootDevice === undefined) throw new ProviderError(`No root volume among snapshots ${snapshotIds.join(', ')}`);
  try {
    const registered = await client.send(new RegisterImageCommand({
      Name: name,
      Description: `SEF emergency restore from ${tagValue(root.Tags, snapshotTags.sourceInstance) ?? 'snapshots'}`,
      Architecture: (tagValue(root.Tags, snapshotTags.architecture) ?? 'x86_64') as ArchitectureValues,
      RootDeviceName: rootDevice,
      VirtualizationType: 'hvm',
      EnaSupport: true,
      BlockDeviceMappings: Snapshots.flatMap((s) => {
        const device = tagValue(s.Tags, snapshotTags.device);
        return device === undefined ? [] : [{ DeviceName: device, Ebs: { SnapshotId: s.SnapshotId!, DeleteOnTermination: true } }];
      }),
    }), send(signal));
    if (registered.ImageId) return registered.ImageId;
  } catch (error) {
    // Another SEF instance registered the same name first: use its image.
    if (awsErrorCode(error) !== 'InvalidAMIName.Duplicate') throw toSefError(error, 'RegisterImage', at);
  }
  const again = await existing();
  if (again) return again;
  throw new ProviderError(`RegisterImage returned no image for ${name}`, { retryable: true });
}

/**
 * The snapshots, once every one is `completed` (EC2 registers images and creates volumes only from
 * completed snapshots): DescribeSnapshots every `pollInterval`; one in `error` fails the wait.
 */
export async function completedSnapshots(ctx: SnapshotContext, snapshotIds: readonly string[], signal?: AbortSignal): Promise<Snapshot[]> {
  const { client, clock, pollInterval } = ctx;
  const at = signal ? { signal } : {};
  for (;;) {
    const { Snapshots = [] } = await callAws('DescribeSnapshots', () =>
      client.send(new DescribeSnapshotsCommand({ SnapshotIds: [...snapshotIds] }), send(signal)), at);
    const failed = Snapshots.find((s) => s.State === 'error');
    if (failed) throw new ProviderError(`Snapshot ${failed.SnapshotId} failed: ${failed.StateMessage ?? 'error'}`);
    if (Snapshots.length === snapshotIds.length && Snapshots.every((s) => s.State === 'completed')) return Snapshots;
    await clock.sleep(pollInterval, signal);
  }
}
