import { EC2Client } from '@aws-sdk/client-ec2';
import { CapacityError, createFakeClock } from '@sef/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEc2ComputeProvider, createEc2PriceFeed, createElasticIpRouter } from '../src/index.js';
import { startLoopbackServer, type Recorded, type Reply } from './loopback-server.js';

// Bodies in the shape of the EC2 API reference examples (Query protocol, XML, namespace 2016-11-15).
const ns = 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"';
const xml = (body: string): Reply => ({ headers: { 'content-type': 'text/xml;charset=UTF-8' }, body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}` });

const runInstances = xml(`<RunInstancesResponse ${ns}>
  <requestId>8e5eb2b5-43ea-4b8b-9ae5-example</requestId>
  <reservationId>r-1234567890abcdef0</reservationId>
  <ownerId>123456789012</ownerId>
  <groupSet/>
  <instancesSet>
    <item>
      <instanceId>i-1234567890abcdef0</instanceId>
      <imageId>ami-0abcdef1234567890</imageId>
      <instanceState><code>0</code><name>pending</name></instanceState>
      <privateDnsName/>
      <dnsName/>
      <amiLaunchIndex>0</amiLaunchIndex>
      <instanceType>c5.large</instanceType>
      <launchTime>2026-01-01T12:00:00.000Z</launchTime>
      <placement><availabilityZone>us-east-1b</availabilityZone><groupName/><tenancy>default</tenancy></placement>
      <monitoring><state>disabled</state></monitoring>
      <subnetId>subnet-bbb</subnetId>
      <instanceLifecycle>spot</instanceLifecycle>
      <spotInstanceRequestId>sir-abcd1234</spotInstanceRequestId>
      <clientToken>sig-123:replica</clientToken>
      <tagSet>
        <item><key>sef:agent</key><value>agent-1</value></item>
        <item><key>sef:role</key><value>replica</value></item>
      </tagSet>
    </item>
  </instancesSet>
</RunInstancesResponse>`);

const spotPriceHistory = (items: [string, string, string][], nextToken: string) => xml(`<DescribeSpotPriceHistoryResponse ${ns}>
  <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>
  <spotPriceHistorySet>${items.map(([az, price, ts]) => `
    <item>
      <instanceType>c5.large</instanceType>
      <productDescription>Linux/UNIX</productDescription>
      <spotPrice>${price}</spotPrice>
      <timestamp>${ts}</timestamp>
      <availabilityZone>${az}</availabilityZone>
    </item>`).join('')}
  </spotPriceHistorySet>
  <nextToken>${nextToken}</nextToken>
</DescribeSpotPriceHistoryResponse>`);

const describeInstances = xml(`<DescribeInstancesResponse ${ns}>
  <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
  <reservationSet><item>
    <reservationId>r-1234567890abcdef0</reservationId><ownerId>123456789012</ownerId><groupSet/>
    <instancesSet><item>
      <instanceId>i-old</instanceId>
      <instanceState><code>16</code><name>running</name></instanceState>
      <instanceType>c5.large</instanceType>
      <launchTime>2026-01-01T10:00:00.000Z</launchTime>
      <placement><availabilityZone>us-east-1a</availabilityZone><tenancy>default</tenancy></placement>
      <architecture>x86_64</architecture>
      <rootDeviceType>ebs</rootDeviceType>
      <rootDeviceName>/dev/xvda</rootDeviceName>
      <blockDeviceMapping>
        <item><deviceName>/dev/xvda</deviceName><ebs><volumeId>vol-root</volumeId><status>attached</status><deleteOnTermination>true</deleteOnTermination></ebs></item>
        <item><deviceName>/dev/sdf</deviceName><ebs><volumeId>vol-data</volumeId><status>attached</status><deleteOnTermination>false</deleteOnTermination></ebs></item>
      </blockDeviceMapping>
      <instanceLifecycle>spot</instanceLifecycle>
    </item></instancesSet>
  </item></reservationSet>
</DescribeInstancesResponse>`);

const createSnapshots = xml(`<CreateSnapshotsResponse ${ns}>
  <requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId>
  <snapshotSet>
    <item><snapshotId>snap-root</snapshotId><volumeId>vol-root</volumeId><state>pending</state><startTime>2026-01-01T12:00:00.000Z</startTime><progress/><ownerId>123456789012</ownerId><volumeSize>8</volumeSize><encrypted>false</encrypted>
      <tagSet><item><key>sef:source-instance</key><value>i-old</value></item></tagSet></item>
    <item><snapshotId>snap-data</snapshotId><volumeId>vol-data</volumeId><state>pending</state><startTime>2026-01-01T12:00:00.000Z</startTime><progress/><ownerId>123456789012</ownerId><volumeSize>100</volumeSize><encrypted>false</encrypted></item>
  </snapshotSet>
</CreateSnapshotsResponse>`);

const empty = (action: string, inner = '') => xml(`<${action}Response ${ns}><requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>${inner}</${action}Response>`);

const error = (status: number, code: string, message: string): Reply => ({
  status,
  ...xml(`<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>`),
});

let server: Awaited<ReturnType<typeof startLoopbackServer>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const params = (r: Recorded) => new URLSearchParams(r.body);
const start = async (reply: (action: string, p: URLSearchParams) => Reply | Promise<Reply>) => {
  server = await startLoopbackServer((r) => reply(params(r).get('Action') ?? '', params(r)));
  return server;
};
const clientFor = (endpoint: string, maxAttempts = 1) =>
  new EC2Client({ region: 'us-east-1', endpoint, maxAttempts, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
const launchSpec = () => ({ launchTemplate: { name: 'agent-1' }, subnets: { 'us-east-1a': 'subnet-aaa', 'us-east-1b': 'subnet-bbb' } });

describe('EC2 end to end through the SDK deserialisers (loopback Query API)', () => {
  it('RunInstances: the request carries the spot market options and ClientToken; the XML reservation becomes an InstanceInfo', async () => {
    const s = await start((action) => (action === 'RunInstances' ? runInstances : error(400, 'InvalidAction', action)));
    const compute = createEc2ComputeProvider({ client: clientFor(s.endpoint), launchSpec });
    const info = await compute.launch({ agentId: 'agent-1', poolId: 'us-east-1b:c5.large', role: 'replica', market: 'spot' }, { idempotencyToken: 'sig-123:replica' });
    expect(info).toEqual({ instanceId: 'i-1234567890abcdef0', poolId: 'us-east-1b:c5.large', market: 'spot', state: 'pending', launchedAt: Date.UTC(2026, 0, 1, 12) });
    const p = params(s.requests[0]!);
    expect(Object.fromEntries([...p].filter(([k]) => !k.startsWith('TagSpecification')))).toEqual({
      Action: 'RunInstances',
      Version: '2016-11-15',
      MinCount: '1',
      MaxCount: '1',
      ClientToken: 'sig-123:replica',
      InstanceType: 'c5.large',
      SubnetId: 'subnet-bbb',
      'LaunchTemplate.LaunchTemplateName': 'agent-1',
      'LaunchTemplate.Version': '$Default',
      'InstanceMarketOptions.MarketType': 'spot',
      'InstanceMarketOptions.SpotOptions.SpotInstanceType': 'one-time',
      'InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior': 'terminate',
    });
    expect(p.get('TagSpecification.1.ResourceType')).toBe('instance');
    expect(p.get('TagSpecification.1.Tag.1.Key')).toBe('sef:agent');
    expect(p.get('TagSpecification.1.Tag.1.Value')).toBe('agent-1');
    expect(p.get('TagSpecification.1.Tag.2.Value')).toBe('replica');
  });

  it('an InsufficientInstanceCapacity error response becomes a CapacityError for the pool', async () => {
    const s = await start(() => error(500, 'InsufficientInstanceCapacity', 'We currently do not have sufficient c5.large capacity in the Availability Zone you requested (us-east-1b).'));
    const compute = createEc2ComputeProvider({ client: clientFor(s.endpoint), launchSpec });
    const e = await compute.launch({ agentId: 'agent-1', poolId: 'us-east-1b:c5.large', role: 'replica', market: 'spot' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CapacityError);
    expect(e).toMatchObject({ poolId: 'us-east-1b:c5.large', cause: { name: 'InsufficientInstanceCapacity', $metadata: { httpStatusCode: 500 } } });
    expect((e as Error).message).toContain('We currently do not have sufficient c5.large capacity');
  });

  it('an aborted launch rejects promptly with the signal reason while EC2 has not answered', async () => {
    const s = await start(() => new Promise<Reply>(() => {}));
    const compute = createEc2ComputeProvider({ client: clientFor(s.endpoint), launchSpec });
    const abort = new AbortController();
    const reason = new Error('termination deadline');
    const launched = compute.launch({ agentId: 'agent-1', poolId: 'us-east-1b:c5.large', role: 'replica', market: 'spot' }, { signal: abort.signal, idempotencyToken: 't' });
    await vi.waitFor(() => expect(s.requests).toHaveLength(1));
    abort.abort(reason);
    await expect(launched).rejects.toBe(reason);
  });

  it('throttling is retried by the SDK retry strategy with the same ClientToken, then succeeds', async () => {
    let calls = 0;
    const s = await start(() => (++calls === 1 ? error(503, 'RequestLimitExceeded', 'Request limit exceeded.') : runInstances));
    const compute = createEc2ComputeProvider({ client: clientFor(s.endpoint, 3), launchSpec });
    await expect(compute.launch({ agentId: 'agent-1', poolId: 'us-east-1b:c5.large', role: 'replica', market: 'spot' }, { idempotencyToken: 'sig-123:replica' }))
      .resolves.toMatchObject({ instanceId: 'i-1234567890abcdef0' });
    expect(s.requests.map((r) => params(r).get('ClientToken'))).toEqual(['sig-123:replica', 'sig-123:replica']);
  });

  it('DescribeSpotPriceHistory: two XML pages become one step-function history', async () => {
    const s = await start((_action, p) => (p.get('NextToken')
      ? spotPriceHistory([['us-east-1a', '0.035000', '2026-01-01T08:30:00.000Z']], '')
      : spotPriceHistory([['us-east-1a', '0.040000', '2026-01-01T11:00:00.000Z'], ['us-east-1a', '0.038000', '2026-01-01T10:00:00.000Z']], 'page-2')));
    const feed = createEc2PriceFeed({ client: clientFor(s.endpoint), instanceTypes: ['c5.large'] });
    const history = await feed.priceHistory('us-east-1a:c5.large', Date.UTC(2026, 0, 1, 9), Date.UTC(2026, 0, 1, 12));
    expect(history).toEqual([
      { time: Date.UTC(2026, 0, 1, 8, 30), price: 0.035 },
      { time: Date.UTC(2026, 0, 1, 10), price: 0.038 },
      { time: Date.UTC(2026, 0, 1, 11), price: 0.04 },
    ]);
    const first = params(s.requests[0]!);
    expect(first.get('Action')).toBe('DescribeSpotPriceHistory');
    expect(first.get('InstanceType.1')).toBe('c5.large');
    expect(first.get('AvailabilityZone')).toBe('us-east-1a');
    expect(first.get('StartTime')).toBe('2026-01-01T09:00:00Z');
    expect(params(s.requests[1]!).get('NextToken')).toBe('page-2');
  });

  it('CreateSnapshots: one call for all volumes; the XML snapshot set gives the ids, each tagged with its device', async () => {
    const s = await start((action) => {
      if (action === 'DescribeInstances') return describeInstances;
      if (action === 'CreateSnapshots') return createSnapshots;
      if (action === 'CreateTags') return empty('CreateTags', '<return>true</return>');
      return error(400, 'InvalidAction', action);
    });
    const compute = createEc2ComputeProvider({ client: clientFor(s.endpoint), launchSpec, clock: createFakeClock(0) });
    await expect(compute.snapshot('i-old')).resolves.toEqual({ snapshotIds: ['snap-data', 'snap-root'] });
    const create = s.requests.map(params).find((p) => p.get('Action') === 'CreateSnapshots')!;
    expect(create.get('InstanceSpecification.InstanceId')).toBe('i-old');
    expect(create.get('InstanceSpecification.ExcludeBootVolume')).toBe('false');
    expect(create.get('CopyTagsFromSource')).toBe('volume');
    const tags = s.requests.map(params).filter((p) => p.get('Action') === 'CreateTags').map((p) => [p.get('ResourceId.1'), p.get('Tag.1.Value'), p.get('Tag.2.Key')]);
    expect(tags.sort()).toEqual([['snap-data', '/dev/sdf', null], ['snap-root', '/dev/xvda', 'sef:root']]);
  });

  it('AssociateAddress with AllowReassociation moves the Elastic IP', async () => {
    const s = await start((action) => (action === 'DescribeAddresses'
      ? xml(`<DescribeAddressesResponse ${ns}><requestId>f7de5e98-491a-4c19-a92d-908d6EXAMPLE</requestId><addressesSet><item>
          <publicIp>203.0.113.41</publicIp><allocationId>eipalloc-08229861</allocationId><domain>vpc</domain>
          <instanceId>i-old</instanceId><associationId>eipassoc-f0229899</associationId>
        </item></addressesSet></DescribeAddressesResponse>`)
      : empty('AssociateAddress', '<return>true</return><associationId>eipassoc-fc5ca095</associationId>')));
    const router = createElasticIpRouter({ client: clientFor(s.endpoint), allocationId: () => 'eipalloc-08229861' });
    await expect(router.current('agent-1')).resolves.toBe('i-old');
    await router.route('agent-1', 'i-new');
    const associate = params(s.requests.at(-1)!);
    expect(Object.fromEntries(associate)).toEqual({ Action: 'AssociateAddress', Version: '2016-11-15', AllocationId: 'eipalloc-08229861', InstanceId: 'i-new', AllowReassociation: 'true' });
  });
});
