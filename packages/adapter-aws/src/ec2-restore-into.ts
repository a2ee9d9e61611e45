import {
  AttachVolumeCommand,
  CreateVolumeCommand,
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  ModifyInstanceAttributeCommand,
  type CreateVolumeCommandInput,
  type Instance,
  type Snapshot,
  type Tag,
  type Volume,
} from '@aws-sdk/client-ec2';
import { ProviderError } from '@sef/core';
import { awsErrorCode, callAws, toSefError } from './errors.js';
import { clientToken, instanceTags, tagValue } from './ec2-instances.js';
import { completedSnapshots, type SnapshotContext } from './ec2-snapshots.js';

/** The tag naming the instance a restored volume was made for (beside `sef:agent` and `sef:token`). */
export const restoredVolumeTags = { restoredInto: 'sef:restored-into' } as const;

export interface RestoreContext extends SnapshotContext {
  /** Extra tags of every resource SEF creates (`Ec2ComputeProviderOptions.tags`). */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * Device names AWS recommends for EBS data volumes on Linux: /dev/sdf to /dev/sdp. /dev/sda1 (or
 * /dev/xvda) is the root; the instance-store range /dev/sdb to /dev/sde is left alone.
 */
export const dataDevices: readonly string[] = [...'fghijklmnop'].map((letter) => `/dev/sd${letter}`);

/** The slot a device name takes: /dev/sdf, /dev/xvdf and xvdf are one slot (the kernel renames sd to xvd). */
export const deviceSlot = (device: string): string => device.replace(/^\/dev\//, '').replace(/^(sd|xvd)/, '');

/** The first of `dataDevices` whose slot none of `used` takes, if any. */
export function freeDevice(used: Iterable<string>): string | undefined {
  const taken = new Set([...used].map(deviceSlot));
  return dataDevices.find((d) => !taken.has(deviceSlot(d)));
}

const send = (signal: AbortSignal | undefined) => (signal ? { abortSignal: signal } : {});
/** Volume types whose IOPS (and, for gp3, throughput) are set per volume: copied from the source volume. */
const provisionedIops: ReadonlySet<string> = new Set(['io1', 'io2', 'gp3']);
/** An attachment that holds the volume (a detached one does not). */
const holding = (v: Volume) => v.Attachments?.find((a) => a.State !== 'detached');

/**
 * Restores `snapshotIds` into the running instance `instanceId`: one volume per snapshot, created in the
 * instance's AZ (type, size, IOPS and throughput of the snapshot's source volume when it still exists,
 * EC2's defaults otherwise), attached at free data device names (/dev/sdf..., never the root's or one in
 * the instance's block device mappings), and marked DeleteOnTermination so they go with the instance.
 * Resolves when every volume is `attached`. Idempotent per `token`: the volumes carry it (`sef:token`), so
 * a retry finds the volumes of the first call, creates only the missing ones (CreateVolume's `ClientToken`
 * is derived from it and the snapshot) and attaches only those not attached to the instance yet.
 */
export async function restoreSnapshotsInto(
  ctx: RestoreContext,
  instanceId: string,
  snapshotIds: readonly string[],
  token: string,
  signal?: AbortSignal,
): Promise<void> {
  const { client, clock, pollInterval } = ctx;
  const at = signal ? { signal } : {};
  if (signal?.aborted) throw signal.reason;
  if (snapshotIds.length === 0) return;

  const described = async (): Promise<Instance> => {
    const out = await callAws('DescribeInstances', () =>
      client.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }), send(signal)), at);
    const found = out.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
    if (!found) throw new ProviderError(`Cannot restore into ${instanceId}: EC2 does not list it`);
    return found;
  };
  const instance = await described();
  const state = instance.State?.Name;
  const zone = instance.Placement?.AvailabilityZone;
  if (state !== 'running') throw new ProviderError(`Cannot restore into ${instanceId}: it is ${state ?? 'in no state'}, not running`);
  if (zone === undefined) throw new ProviderError(`Cannot restore into ${instanceId}: EC2 gives no availability zone for it`);

  const volumesWhere = async (filters: { Name: string; Values: string[] }[]) => {
    const out = await callAws('DescribeVolumes', () => client.send(new DescribeVolumesCommand({ Filters: filters }), send(signal)), at);
    return out.Volumes ?? [];
  };
  const ofToken = () => volumesWhere([{ Name: `tag:${instanceTags.token}`, Values: [token] }]);

  const snapshots = await completedSnapshots(ctx, snapshotIds, signal);
  const earlier = await ofToken();
  const missing = snapshots.filter((s) => !earlier.some((v) => v.SnapshotId === s.SnapshotId));
  const sourceIds = missing.flatMap((s) => (s.VolumeId ? [s.VolumeId] : []));
  // `volume-id` as a filter, not VolumeIds: a source volume already deleted is no error, only unknown.
  const sources = sourceIds.length > 0 ? await volumesWhere([{ Name: 'volume-id', Values: sourceIds }]) : [];
  const agentId = tagValue(instance.Tags, instanceTags.agent);
  const tags: Tag[] = [
    ...(agentId !== undefined ? [{ Key: instanceTags.agent, Value: agentId }] : []),
    { Key: instanceTags.token, Value: token },
    { Key: restoredVolumeTags.restoredInto, Value: instanceId },
    ...Object.entries(ctx.tags).map(([Key, Value]) => ({ Key, Value })),
  ];
  const created = await Promise.all(missing.map((s) => createVolume(s, sources.find((v) => v.VolumeId === s.VolumeId))));
  const volumeIds = [...earlier.filter((v) => snapshotIds.includes(v.SnapshotId ?? '')), ...created].map((v) => v.VolumeId!);

  async function createVolume(snapshot: Snapshot, source: Volume | undefined): Promise<Volume> {
    const type = source?.VolumeType;
    const input: CreateVolumeCommandInput = {
      AvailabilityZone: zone,
      SnapshotId: snapshot.SnapshotId!,
      ClientToken: clientToken(token, `:${snapshot.SnapshotId}`),
      ...(type !== undefined ? { VolumeType: type } : {}),
      ...(source?.Size !== undefined ? { Size: source.Size } : snapshot.VolumeSize !== undefined ? { Size: snapshot.VolumeSize } : {}),
      ...(type !== undefined && provisionedIops.has(type) && source?.Iops !== undefined ? { Iops: source.Iops } : {}),
      ...(type === 'gp3' && source?.Throughput !== undefined ? { Throughput: source.Throughput } : {}),
      TagSpecifications: [{ ResourceType: 'volume', Tags: tags }],
    };
    let out;
    try {
      out = await client.send(new CreateVolumeCommand(input), send(signal));
    } catch (error) {
      // The token created a volume before with other parameters (its source volume is gone since): that one.
      if (awsErrorCode(error) !== 'IdempotentParameterMismatch') throw toSefError(error, 'CreateVolume', at);
      const first = (await ofToken()).find((v) => v.SnapshotId === snapshot.SnapshotId);
      if (first) return first;
      throw new ProviderError(`CreateVolume: the volume of ${snapshot.SnapshotId} created under this token is not listed yet`, { cause: error, retryable: true });
    }
    if (!out.VolumeId) throw new ProviderError(`CreateVolume returned no volume for ${snapshot.SnapshotId}`, { retryable: true });
    return out;
  }

  /** The volumes, polled every `pollInterval` until `ready` holds for each; a volume in `error` fails. */
  const until = async (ready: (v: Volume) => boolean): Promise<Volume[]> => {
    for (;;) {
      let volumes: Volume[] = [];
      try {
        const out = await client.send(new DescribeVolumesCommand({ VolumeIds: volumeIds }), send(signal));
        volumes = out.Volumes ?? [];
      } catch (error) {
        // Right after CreateVolume a volume may not be visible yet (eventual consistency): poll again.
        if (awsErrorCode(error) !== 'InvalidVolume.NotFound') throw toSefError(error, 'DescribeVolumes', at);
      }
      const failed = volumes.find((v) => v.State === 'error' || v.State === 'deleting' || v.State === 'deleted');
      if (failed) throw new ProviderError(`Volume ${failed.VolumeId} restored from ${failed.SnapshotId} is ${failed.State}`);
      if (volumes.length === volumeIds.length && volumes.every(ready)) return volumes;
      await clock.sleep(pollInterval, signal);
    }
  };

  const usable = await until((v) => v.State === 'available' || holding(v) !== undefined);
  const elsewhere = usable.find((v) => { const a = holding(v); return a !== undefined && a.InstanceId !== instanceId; });
  if (elsewhere) throw new ProviderError(`Volume ${elsewhere.VolumeId} restored for ${instanceId} is attached to ${holding(elsewhere)!.InstanceId}`);

  const devices = new Map<string, string>();
  for (const v of usable) {
    const a = holding(v);
    if (a?.Device) devices.set(v.VolumeId!, a.Device);
  }
  const used = new Set([instance.RootDeviceName ?? '/dev/sda1', ...(instance.BlockDeviceMappings ?? []).flatMap((m) => (m.DeviceName ? [m.DeviceName] : [])), ...devices.values()]);
  for (const v of usable) {
    if (devices.has(v.VolumeId!)) continue; // attached (or attaching) by an earlier call with this token
    devices.set(v.VolumeId!, await attachAtFreeDevice(v.VolumeId!));
  }

  async function attachAtFreeDevice(volumeId: string): Promise<string> {
    for (;;) {
      const device = freeDevice(used);
      if (device === undefined) throw new ProviderError(`Cannot restore into ${instanceId}: no free device name among ${dataDevices[0]} to ${dataDevices.at(-1)}`);
      used.add(device);
      try {
        await client.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, Device: device }), send(signal));
        return device;
      } catch (error) {
        const code = awsErrorCode(error);
        // "Invalid value '/dev/sdf' for unixDevice. Attachment point /dev/sdf is already in use": the next name.
        if (code === 'InvalidParameterValue' && /already in use/i.test(String((error as Error).message))) continue;
        // Attached meanwhile (a concurrent retry of this token): fine if to this instance.
        if (code === 'VolumeInUse') {
          const [now] = (await volumesWhere([{ Name: 'volume-id', Values: [volumeId] }]));
          const a = now ? holding(now) : undefined;
          if (a?.InstanceId === instanceId && a.Device) return a.Device;
        }
        throw toSefError(error, 'AttachVolume', at);
      }
    }
  }

  await until((v) => v.Attachments?.some((a) => a.InstanceId === instanceId && a.State === 'attached') ?? false);
  // Volumes attached after launch are kept when the instance is terminated unless told otherwise: they go with it.
  await callAws('ModifyInstanceAttribute', () =>
    client.send(new ModifyInstanceAttributeCommand({
      InstanceId: instanceId,
      BlockDeviceMappings: [...devices.values()].sort().map((DeviceName) => ({ DeviceName, Ebs: { DeleteOnTermination: true } })),
    }), send(signal)), at);
}
