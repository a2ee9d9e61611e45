import {
  DescribeInstancesCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
  type RunInstancesCommandInput,
  type Tag,
} from '@aws-sdk/client-ec2';
import type { CallOptions, Clock, ComputeProvider, ExpectedLatencies, InstanceInfo, LaunchRequest } from '@sef/core';
import { PoolUnusableError, ProviderError, systemClock } from '@sef/core';
import { parsePoolId } from './pool-id.js';
import { awsErrorCode, callAws, toSefError } from './errors.js';
import { clientToken, instanceTags, tagSafe, toInstanceInfo } from './ec2-instances.js';
import { listLaunchedInstances } from './ec2-inventory.js';

export { instanceTags } from './ec2-instances.js';
import { imageFromSnapshots, snapshotInstance } from './ec2-snapshots.js';
import { restoreSnapshotsInto } from './ec2-restore-into.js';

/** How to launch one agent's instances. */
export interface AgentLaunchSpec {
  /** The agent's launch template; RunInstances overrides only type, subnet, market and tags. `version` @default '$Default' */
  readonly launchTemplate?: { readonly id?: string; readonly name?: string; readonly version?: string };
  /** AMI to launch when the launch template does not name one (or there is no template). @default the template's AMI */
  readonly imageId?: string;
  /**
   * Subnet of each availability zone the agent may run in: the pool's AZ picks one. A pool in another AZ
   * is refused with `PoolUnusableError` (the core tries the next pool); give the price feed the same AZs.
   */
  readonly subnets: Readonly<Record<string, string>>;
  /** @default the template's (or the subnet's default) security groups */
  readonly securityGroupIds?: readonly string[];
  /**
   * Set when the launch template defines network interfaces (for a public IP or security groups on the
   * interface): EC2 refuses `SubnetId` and `SecurityGroupIds` beside them (InvalidParameterCombination),
   * so SEF sends the subnet and `securityGroupIds` in an override of interface 0 instead. The override is
   * sent as given here: repeat the template's interface-0 settings you need (`associatePublicIpAddress`).
   * @default undefined (the subnet goes in `SubnetId`)
   */
  readonly networkInterface?: {
    /** @default the subnet's setting */
    readonly associatePublicIpAddress?: boolean;
  };
  /** Highest spot price in USD/h. @default the on-demand price (EC2's default) */
  readonly maxSpotPrice?: string;
}

export interface Ec2ComputeProviderOptions {
  /** An EC2 client of the agent's region; retries and throttling follow its `retryStrategy` / `maxAttempts`. */
  readonly client: EC2Client;
  /** The launch settings of an agent. */
  readonly launchSpec: (agentId: string) => AgentLaunchSpec | Promise<AgentLaunchSpec>;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Time between two DescribeInstances / DescribeSnapshots while waiting (ms). @default 5000 */
  readonly pollInterval?: number;
  /**
   * How long `terminate` keeps retrying an instance EC2 answers `InvalidInstanceID.NotFound` for (ms):
   * right after RunInstances an instance is not visible yet (eventual consistency). Retries back off from
   * 1 s up to `pollInterval`; an id unknown for the whole window counts as gone. @default 60000
   */
  readonly consistencyWindow?: number;
  /** Extra tags on every instance and volume SEF launches. @default {} */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * What the core may expect EC2 to take (ms) when it plans against a notice's deadline; estimates, not
   * measured on a real account: measure your own (a snapshot's completion grows with the data written
   * since the last one). `restoreInto` is the snapshots' completion plus CreateVolume to `available` and
   * AttachVolume to `attached` (seconds each): no boot, so at most `launchFromSnapshots`.
   * @default { snapshot: 5000, launchFromSnapshots: 60000, restoreInto: 60000, route: 3000 }
   */
  readonly expectedLatencies?: Partial<ExpectedLatencies>;
}

/** See `Ec2ComputeProviderOptions.expectedLatencies`. */
export const defaultEc2Latencies: ExpectedLatencies = Object.freeze({ snapshot: 5_000, launchFromSnapshots: 60_000, restoreInto: 60_000, route: 3_000 });


const send = (signal: AbortSignal | undefined) => (signal ? { abortSignal: signal } : {});
const ctx = (options: CallOptions | undefined, poolId?: string) => ({
  ...(options?.signal ? { signal: options.signal } : {}),
  ...(poolId !== undefined ? { poolId } : {}),
});

/** Where the subnet and security groups go: beside the template, or in its network interface's override. */
function placement(spec: AgentLaunchSpec, subnet: string): Partial<RunInstancesCommandInput> {
  const groups = spec.securityGroupIds ? [...spec.securityGroupIds] : undefined;
  if (spec.networkInterface === undefined) return { SubnetId: subnet, ...(groups ? { SecurityGroupIds: groups } : {}) };
  const publicIp = spec.networkInterface.associatePublicIpAddress;
  return {
    NetworkInterfaces: [{
      DeviceIndex: 0,
      SubnetId: subnet,
      ...(groups ? { Groups: groups } : {}),
      ...(publicIp !== undefined ? { AssociatePublicIpAddress: publicIp } : {}),
    }],
  };
}

/**
 * The core's {@link ComputeProvider} on EC2. Launches carry a `ClientToken` derived from the call's
 * idempotency token, so a retried launch returns the instance of the first one, also when it asks for another pool.
 * `restoreInto` attaches one new volume per snapshot to the running instance (see `restoreSnapshotsInto`).
 * @example
 * const compute = createEc2ComputeProvider({
 *   client: new EC2Client({ region: 'us-east-1', maxAttempts: 5 }),
 *   launchSpec: (agentId) => ({ launchTemplate: { name: `agent-${agentId}` }, subnets: { 'us-east-1a': 'subnet-0abc' } }),
 * });
 */
export function createEc2ComputeProvider(options: Ec2ComputeProviderOptions): ComputeProvider {
  const { client } = options;
  const clock = options.clock ?? systemClock;
  const pollInterval = options.pollInterval ?? 5000;
  const consistencyWindow = options.consistencyWindow ?? 60_000;
  const snapshots = { client, clock, pollInterval };

  const describe = async (instanceId: string, call?: CallOptions): Promise<InstanceInfo | undefined> => {
    try {
      const out = await client.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }), send(call?.signal));
      const instance = out.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
      return instance ? toInstanceInfo(instance) : undefined;
    } catch (error) {
      if (awsErrorCode(error) === 'InvalidInstanceID.NotFound') return undefined;
      throw toSefError(error, 'DescribeInstances', ctx(call));
    }
  };

  /** The instance launched with `token` (its `sef:token` tag), if EC2 lists it. */
  const launchedWith = async (token: string, call?: CallOptions): Promise<InstanceInfo | undefined> => {
    const out = await callAws('DescribeInstances', () =>
      client.send(new DescribeInstancesCommand({ Filters: [{ Name: `tag:${instanceTags.token}`, Values: [token] }] }), send(call?.signal)), ctx(call));
    const instance = out.Reservations?.flatMap((r) => r.Instances ?? [])[0];
    return instance ? toInstanceInfo(instance) : undefined;
  };

  return {
    capabilities: { snapshots: true, onDemand: true, restoreInto: true },
    expectedLatencies: { ...defaultEc2Latencies, ...options.expectedLatencies },

    restoreInto: (instanceId, snapshotIds, call) =>
      restoreSnapshotsInto({ ...snapshots, tags: options.tags ?? {} }, instanceId, snapshotIds, clientToken(call?.idempotencyToken), call?.signal),

    async launch(request: LaunchRequest, call?: CallOptions): Promise<InstanceInfo> {
      const pool = parsePoolId(request.poolId);
      if (!pool) throw new ProviderError(`Not a pool id: ${request.poolId} (expected <az>:<instanceType>)`);
      const spec = await options.launchSpec(request.agentId);
      const subnet = spec.subnets[pool.availabilityZone];
      if (subnet === undefined) throw new PoolUnusableError(request.poolId, `Agent ${request.agentId} has no subnet in ${pool.availabilityZone}`);
      const token = clientToken(call?.idempotencyToken);
      const imageId = request.snapshotIds && request.snapshotIds.length > 0
        ? await imageFromSnapshots(snapshots, request.snapshotIds, token, call?.signal)
        : spec.imageId;
      if (imageId === undefined && spec.launchTemplate === undefined) {
        throw new ProviderError(`Agent ${request.agentId} has neither a launch template nor an image`);
      }
      const tags: Tag[] = [
        { Key: instanceTags.agent, Value: request.agentId },
        { Key: instanceTags.role, Value: request.role },
        { Key: instanceTags.token, Value: token },
        ...(request.causeId !== undefined ? [{ Key: instanceTags.cause, Value: tagSafe(request.causeId) }] : []),
        ...Object.entries(options.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
      ];
      const lt = spec.launchTemplate;
      const input: RunInstancesCommandInput = {
        MinCount: 1,
        MaxCount: 1,
        ClientToken: token,
        InstanceType: pool.instanceType as RunInstancesCommandInput['InstanceType'],
        ...placement(spec, subnet),
        ...(lt ? { LaunchTemplate: { ...(lt.id ? { LaunchTemplateId: lt.id } : {}), ...(lt.name ? { LaunchTemplateName: lt.name } : {}), Version: lt.version ?? '$Default' } } : {}),
        ...(imageId !== undefined ? { ImageId: imageId } : {}),
        ...(request.market === 'spot'
          ? {
              InstanceMarketOptions: {
                MarketType: 'spot',
                SpotOptions: {
                  SpotInstanceType: 'one-time',
                  InstanceInterruptionBehavior: 'terminate',
                  ...(spec.maxSpotPrice !== undefined ? { MaxPrice: spec.maxSpotPrice } : {}),
                },
              },
            }
          : {}),
        TagSpecifications: [
          { ResourceType: 'instance', Tags: tags },
          { ResourceType: 'volume', Tags: tags },
        ],
      };
      let out;
      try {
        out = await client.send(new RunInstancesCommand(input), send(call?.signal));
      } catch (error) {
        // The token launched before with other parameters (another pool of the same cause): that instance is the answer.
        const first = awsErrorCode(error) === 'IdempotentParameterMismatch' ? await launchedWith(token, call) : undefined;
        if (first) return first;
        throw toSefError(error, 'RunInstances', ctx(call, request.poolId));
      }
      const instance = out.Instances?.[0];
      if (!instance) throw new ProviderError(`RunInstances returned no instance for ${request.poolId}`, { retryable: true });
      return toInstanceInfo(instance);
    },

    async waitUntilRunning(instanceId: string, call?: CallOptions): Promise<InstanceInfo> {
      for (;;) {
        const info = await describe(instanceId, call);
        if (info?.state === 'running') return info;
        // Not found yet is EC2's eventual consistency right after RunInstances: keep waiting.
        if (info && info.state !== 'pending') throw new ProviderError(`Instance ${instanceId} is ${info.state}, it will not run`);
        await clock.sleep(pollInterval, call?.signal);
      }
    },

    async terminate(instanceId: string, call?: CallOptions): Promise<void> {
      const deadline = clock.now() + consistencyWindow;
      for (let delay = 1000; ; delay = Math.min(delay * 2, pollInterval)) {
        try {
          await client.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }), send(call?.signal));
          return;
        } catch (error) {
          if (awsErrorCode(error) !== 'InvalidInstanceID.NotFound') throw toSefError(error, 'TerminateInstances', ctx(call));
          // Not visible yet right after RunInstances, or never launched / gone long ago: only time tells.
          const left = deadline - clock.now();
          if (left <= 0) return;
          await clock.sleep(Math.min(delay, left), call?.signal);
        }
      }
    },

    snapshot: (instanceId, call) => snapshotInstance(snapshots, instanceId, call?.idempotencyToken, call?.signal),

    describe,

    listLaunched: (call) => listLaunchedInstances(client, call?.signal),
  };
}
