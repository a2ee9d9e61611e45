import { EC2Client } from '@aws-sdk/client-ec2';
import { ProviderError } from '@sef/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEc2ComputeProvider } from '../src/index.js';
import { startLoopbackServer, type Reply } from './loopback-server.js';

// restoreInto against a small EC2 fake speaking the Query API with XML in the shape of the EC2 API
// reference, for what moto does not do: CreateVolume's ClientToken, volumes that take a while
// (creating, attaching), a device in use that DescribeInstances does not list yet, VolumeInUse, error codes.
const ns = 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"';
const xml = (body: string): Reply => ({ headers: { 'content-type': 'text/xml;charset=UTF-8' }, body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}` });
const requestId = '<requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>';
const error = (status: number, code: string, message: string): Reply => ({
  status,
  ...xml(`<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>`),
});
const tagSet = (tags: [string, string][]) => `<tagSet>${tags.map(([k, v]) => `<item><key>${k}</key><value>${v}</value></item>`).join('')}</tagSet>`;

interface FakeVolume {
  id: string;
  snapshotId: string | undefined;
  az: string;
  size: number;
  type: string;
  iops?: number;
  throughput?: number;
  state: 'creating' | 'available' | 'in-use' | 'error';
  attachment?: { instanceId: string; device: string; state: 'attaching' | 'attached' };
  tags: [string, string][];
}

/**
 * One instance (i-target, us-east-1b, root /dev/xvda, data /dev/sdf) and the primary's two completed
 * snapshots. A created volume is `creating` for `describesToReady` DescribeVolumes, an attachment
 * `attaching` for as many. `hiddenDevices` are in use on the instance without DescribeInstances listing them.
 */
function fakeEc2(options: { describesToReady?: number; hiddenDevices?: string[]; staleTokenLookups?: number; reply?: (action: string, p: URLSearchParams) => Reply | undefined } = {}) {
  const volumes = new Map<string, FakeVolume>();
  const byClientToken = new Map<string, string>();
  const countdown = new Map<string, number>();
  let seq = 0;
  let staleTokenLookups = options.staleTokenLookups ?? 0;
  volumes.set('vol-src-root', { id: 'vol-src-root', snapshotId: undefined, az: 'us-east-1a', size: 8, type: 'gp2', state: 'in-use', tags: [] });
  volumes.set('vol-src-data', { id: 'vol-src-data', snapshotId: undefined, az: 'us-east-1a', size: 100, type: 'io2', iops: 6000, state: 'in-use', tags: [] });
  const mapped = ['/dev/xvda', '/dev/sdf'];
  const slot = (d: string) => d.replace(/^\/dev\/(sd|xvd)/, '');
  const inUse = (device: string) => [...mapped, ...(options.hiddenDevices ?? []), ...[...volumes.values()].flatMap((v) => (v.attachment?.instanceId === 'i-target' ? [v.attachment.device] : []))]
    .some((d) => slot(d) === slot(device));
  const tick = (v: FakeVolume) => {
    const left = countdown.get(v.id) ?? 0;
    if (left > 0) return countdown.set(v.id, left - 1);
    if (v.state === 'creating') v.state = 'available';
    if (v.attachment?.state === 'attaching') v.attachment.state = 'attached';
    return undefined;
  };
  const volumeXml = (v: FakeVolume) => `<item><volumeId>${v.id}</volumeId><size>${v.size}</size><snapshotId>${v.snapshotId ?? ''}</snapshotId>
    <availabilityZone>${v.az}</availabilityZone><status>${v.state}</status><createTime>2026-01-01T12:00:00.000Z</createTime>
    <attachmentSet>${v.attachment ? `<item><volumeId>${v.id}</volumeId><instanceId>${v.attachment.instanceId}</instanceId><device>${v.attachment.device}</device><status>${v.attachment.state}</status><attachTime>2026-01-01T12:00:01.000Z</attachTime><deleteOnTermination>false</deleteOnTermination></item>` : ''}</attachmentSet>
    ${tagSet(v.tags)}<volumeType>${v.type}</volumeType>${v.iops !== undefined ? `<iops>${v.iops}</iops>` : ''}${v.throughput !== undefined ? `<throughput>${v.throughput}</throughput>` : ''}<encrypted>false</encrypted></item>`;
  const listed = (p: URLSearchParams, key: string) => [...p].filter(([k]) => k.startsWith(key)).map(([, v]) => v);

  const reply = (action: string, p: URLSearchParams): Reply => {
    const scripted = options.reply?.(action, p);
    if (scripted) return scripted;
    switch (action) {
      case 'DescribeInstances':
        return xml(`<DescribeInstancesResponse ${ns}>${requestId}<reservationSet><item><reservationId>r-1</reservationId><ownerId>123456789012</ownerId><groupSet/>
          <instancesSet><item><instanceId>i-target</instanceId><instanceState><code>16</code><name>running</name></instanceState><instanceType>c5.large</instanceType>
          <launchTime>2026-01-01T10:00:00.000Z</launchTime><placement><availabilityZone>us-east-1b</availabilityZone><tenancy>default</tenancy></placement>
          <rootDeviceType>ebs</rootDeviceType><rootDeviceName>/dev/xvda</rootDeviceName>
          <blockDeviceMapping>${mapped.map((d, i) => `<item><deviceName>${d}</deviceName><ebs><volumeId>vol-own-${i}</volumeId><status>attached</status><deleteOnTermination>true</deleteOnTermination></ebs></item>`).join('')}</blockDeviceMapping>
          ${tagSet([['sef:agent', 'agent-1'], ['sef:role', 'replica']])}</item></instancesSet></item></reservationSet></DescribeInstancesResponse>`);
      case 'DescribeSnapshots':
        return xml(`<DescribeSnapshotsResponse ${ns}>${requestId}<snapshotSet>${[['snap-root', 'vol-src-root', 8, '/dev/xvda'], ['snap-data', 'vol-src-data', 100, '/dev/sdf']].filter(([id]) => listed(p, 'SnapshotId.').includes(String(id))).map(([id, vol, size, device]) =>
          `<item><snapshotId>${id}</snapshotId><volumeId>${vol}</volumeId><status>completed</status><startTime>2026-01-01T12:00:00.000Z</startTime><progress>100%</progress><ownerId>123456789012</ownerId><volumeSize>${size}</volumeSize><encrypted>false</encrypted>${tagSet([['sef:device', String(device)]])}</item>`).join('')}</snapshotSet></DescribeSnapshotsResponse>`);
      case 'DescribeVolumes': {
        const ids = listed(p, 'VolumeId.');
        let found: FakeVolume[];
        if (ids.length > 0) {
          found = ids.map((id) => volumes.get(id)!).filter(Boolean);
          if (found.length < ids.length) return error(400, 'InvalidVolume.NotFound', `The volume '${ids.find((id) => !volumes.has(id))}' does not exist.`);
          found.forEach(tick);
        } else if (p.get('Filter.1.Name') === 'volume-id') {
          const wanted = listed(p, 'Filter.1.Value.');
          found = [...volumes.values()].filter((v) => wanted.includes(v.id));
        } else {
          const [key, value] = [p.get('Filter.1.Name')!.replace(/^tag:/, ''), p.get('Filter.1.Value.1')];
          // Eventual consistency: a volume created a moment ago is not in a filtered listing yet.
          found = staleTokenLookups-- > 0 ? [] : [...volumes.values()].filter((v) => v.tags.some(([k, val]) => k === key && val === value));
        }
        return xml(`<DescribeVolumesResponse ${ns}>${requestId}<volumeSet>${found.map(volumeXml).join('')}</volumeSet></DescribeVolumesResponse>`);
      }
      case 'CreateVolume': {
        const token = p.get('ClientToken')!;
        let v = volumes.get(byClientToken.get(token) ?? '');
        if (!v) {
          const tags: [string, string][] = [];
          for (let i = 1; p.has(`TagSpecification.1.Tag.${i}.Key`); i++) tags.push([p.get(`TagSpecification.1.Tag.${i}.Key`)!, p.get(`TagSpecification.1.Tag.${i}.Value`)!]);
          v = { id: `vol-new${++seq}`, snapshotId: p.get('SnapshotId')!, az: p.get('AvailabilityZone')!, size: Number(p.get('Size')), type: p.get('VolumeType') ?? 'gp2', state: 'creating', tags };
          if (p.has('Iops')) v.iops = Number(p.get('Iops'));
          volumes.set(v.id, v);
          byClientToken.set(token, v.id);
          countdown.set(v.id, options.describesToReady ?? 0);
        }
        return xml(`<CreateVolumeResponse ${ns}>${requestId}<volumeId>${v.id}</volumeId><size>${v.size}</size><snapshotId>${v.snapshotId}</snapshotId><availabilityZone>${v.az}</availabilityZone><status>${v.state}</status><createTime>2026-01-01T12:00:00.000Z</createTime><volumeType>${v.type}</volumeType><encrypted>false</encrypted>${tagSet(v.tags)}</CreateVolumeResponse>`);
      }
      case 'AttachVolume': {
        const v = volumes.get(p.get('VolumeId')!)!;
        const device = p.get('Device')!;
        if (v.attachment) return error(400, 'VolumeInUse', `${v.id} is already attached to an instance`);
        if (v.state !== 'available') return error(400, 'IncorrectState', `${v.id} is not 'available'.`);
        if (inUse(device)) return error(400, 'InvalidParameterValue', `Invalid value '${device}' for unixDevice. Attachment point ${device} is already in use`);
        v.state = 'in-use';
        v.attachment = { instanceId: p.get('InstanceId')!, device, state: 'attaching' };
        countdown.set(v.id, options.describesToReady ?? 0);
        return xml(`<AttachVolumeResponse ${ns}>${requestId}<volumeId>${v.id}</volumeId><instanceId>${v.attachment.instanceId}</instanceId><device>${device}</device><status>attaching</status><attachTime>2026-01-01T12:00:01.000Z</attachTime></AttachVolumeResponse>`);
      }
      case 'ModifyInstanceAttribute':
        return xml(`<ModifyInstanceAttributeResponse ${ns}>${requestId}<return>true</return></ModifyInstanceAttributeResponse>`);
      default:
        return error(400, 'InvalidAction', `The action ${action} is not valid for this web service.`);
    }
  };
  return { volumes, reply };
}

let server: Awaited<ReturnType<typeof startLoopbackServer>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const params = (body: string) => new URLSearchParams(body);
async function start(fake: ReturnType<typeof fakeEc2>, maxAttempts = 1) {
  server = await startLoopbackServer((r) => fake.reply(params(r.body).get('Action') ?? '', params(r.body)));
  const client = new EC2Client({ region: 'us-east-1', endpoint: server.endpoint, maxAttempts, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
  const compute = createEc2ComputeProvider({ client, launchSpec: () => ({ subnets: {} }), pollInterval: 5 });
  const calls = (action: string) => server!.requests.map((r) => params(r.body)).filter((p) => p.get('Action') === action);
  return { compute, calls };
}
const attached = (fake: ReturnType<typeof fakeEc2>) =>
  [...fake.volumes.values()].filter((v) => v.snapshotId).map((v) => [v.snapshotId, v.attachment?.device, v.attachment?.state]).sort();

describe('restoreInto on the EC2 Query API', () => {
  it('creates each volume with a ClientToken in the target AZ as its source, waits out creating and attaching, skips a device EC2 says is in use, sets DeleteOnTermination', async () => {
    const fake = fakeEc2({ describesToReady: 2, hiddenDevices: ['/dev/xvdg'] });
    const { compute, calls } = await start(fake);
    await compute.restoreInto('i-target', ['snap-data', 'snap-root'], { idempotencyToken: 'n1:restore_into' });

    const creates = calls('CreateVolume').map((p) => Object.fromEntries([...p].filter(([k]) => !k.startsWith('TagSpecification'))));
    expect(creates.sort((a, b) => a.SnapshotId!.localeCompare(b.SnapshotId!))).toEqual([
      { Action: 'CreateVolume', Version: '2016-11-15', AvailabilityZone: 'us-east-1b', SnapshotId: 'snap-data', ClientToken: 'n1:restore_into:snap-data', VolumeType: 'io2', Size: '100', Iops: '6000' },
      { Action: 'CreateVolume', Version: '2016-11-15', AvailabilityZone: 'us-east-1b', SnapshotId: 'snap-root', ClientToken: 'n1:restore_into:snap-root', VolumeType: 'gp2', Size: '8' },
    ]);
    // /dev/sdf is mapped, /dev/xvdg is taken without being listed: EC2 refuses /dev/sdg, the next free name is used.
    expect(calls('AttachVolume').map((p) => p.get('Device'))).toEqual(['/dev/sdg', '/dev/sdh', '/dev/sdi']);
    expect(attached(fake)).toEqual([['snap-data', '/dev/sdi', 'attached'], ['snap-root', '/dev/sdh', 'attached']]);
    const tags = calls('CreateVolume')[0]!;
    expect([1, 2, 3].map((i) => [tags.get(`TagSpecification.1.Tag.${i}.Key`), tags.get(`TagSpecification.1.Tag.${i}.Value`)])).toEqual([
      ['sef:agent', 'agent-1'], ['sef:token', 'n1:restore_into'], ['sef:restored-into', 'i-target'],
    ]);
    const modify = Object.fromEntries(calls('ModifyInstanceAttribute')[0]!);
    expect(modify).toMatchObject({
      InstanceId: 'i-target',
      'BlockDeviceMapping.1.DeviceName': '/dev/sdh', 'BlockDeviceMapping.1.Ebs.DeleteOnTermination': 'true',
      'BlockDeviceMapping.2.DeviceName': '/dev/sdi', 'BlockDeviceMapping.2.Ebs.DeleteOnTermination': 'true',
    });
  });

  it('a retry whose listing does not show the first call\'s volumes yet gets them back by ClientToken and attaches none twice (VolumeInUse on this instance is done)', async () => {
    const fake = fakeEc2({ staleTokenLookups: 2 });
    const first = await start(fake);
    await first.compute.restoreInto('i-target', ['snap-data', 'snap-root'], { idempotencyToken: 'n2:restore_into' });
    const before = attached(fake);
    await server!.close();
    // The retry: its token lookup and its first volume listing are stale (attachments not visible yet).
    let staleListings = 1;
    const retry = fakeEc2({
      reply: (action, p) => {
        if (action === 'DescribeVolumes' && p.has('VolumeId.1') && staleListings-- > 0) {
          return xml(`<DescribeVolumesResponse ${ns}>${requestId}<volumeSet>${[...p].filter(([k]) => k.startsWith('VolumeId.')).map(([, id]) =>
            `<item><volumeId>${id}</volumeId><size>8</size><snapshotId>${fake.volumes.get(id)!.snapshotId}</snapshotId><availabilityZone>us-east-1b</availabilityZone><status>available</status><createTime>2026-01-01T12:00:00.000Z</createTime><attachmentSet/><volumeType>gp2</volumeType><encrypted>false</encrypted></item>`).join('')}</volumeSet></DescribeVolumesResponse>`);
        }
        return fake.reply(action, p);
      },
    });
    const again = await start({ ...fake, reply: retry.reply });
    await again.compute.restoreInto('i-target', ['snap-data', 'snap-root'], { idempotencyToken: 'n2:restore_into' });
    expect(attached(fake)).toEqual(before);
    expect([...fake.volumes.keys()].filter((id) => id.startsWith('vol-new'))).toHaveLength(2);
    expect(again.calls('CreateVolume').map((p) => p.get('ClientToken')).sort()).toEqual(['n2:restore_into:snap-data', 'n2:restore_into:snap-root']);
    expect(again.calls('AttachVolume')).toHaveLength(2); // both answered VolumeInUse: already on i-target
  });

  it('EC2 refusals map to ProviderError: AttachmentLimitExceeded for good, throttling retryable; a volume in error fails the restore', async () => {
    const limit = await start(fakeEc2({ reply: (action) => (action === 'AttachVolume' ? error(400, 'AttachmentLimitExceeded', 'You have reached the limit of attachments for this instance type.') : undefined) }));
    const e1 = await limit.compute.restoreInto('i-target', ['snap-data'], { idempotencyToken: 'n3' }).catch((x: unknown) => x);
    expect(e1).toBeInstanceOf(ProviderError);
    expect(e1).toMatchObject({ retryable: false, message: expect.stringMatching(/^AttachVolume failed \(AttachmentLimitExceeded/) });
    await server!.close();

    const throttled = await start(fakeEc2({ reply: (action) => (action === 'CreateVolume' ? error(503, 'RequestLimitExceeded', 'Request limit exceeded.') : undefined) }));
    await expect(throttled.compute.restoreInto('i-target', ['snap-data'], { idempotencyToken: 'n4' })).rejects.toMatchObject({ retryable: true, message: expect.stringMatching(/^CreateVolume failed/) });
    await server!.close();

    const broken = fakeEc2({ describesToReady: 1 });
    const failing = await start({ ...broken, reply: (action, p) => {
      const r = broken.reply(action, p);
      for (const v of broken.volumes.values()) if (v.id.startsWith('vol-new')) v.state = 'error';
      return r;
    } });
    await expect(failing.compute.restoreInto('i-target', ['snap-data'], { idempotencyToken: 'n5' })).rejects.toThrow(/Volume vol-new1 restored from snap-data is error/);
  });

  it('an abort while a volume is still creating rejects promptly with the signal reason', async () => {
    const fake = fakeEc2({ describesToReady: Number.MAX_SAFE_INTEGER });
    const { compute, calls } = await start(fake);
    const abort = new AbortController();
    const reason = new Error('notice deadline');
    const restoring = compute.restoreInto('i-target', ['snap-data'], { signal: abort.signal, idempotencyToken: 'n6' });
    await vi.waitFor(() => expect(calls('DescribeVolumes').filter((p) => p.has('VolumeId.1')).length).toBeGreaterThan(2));
    abort.abort(reason);
    await expect(restoring).rejects.toBe(reason);
    expect(calls('AttachVolume')).toEqual([]);
  });
});
