import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  CreateImageCommand,
  CreateLaunchTemplateCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import { instanceTags } from '@sef/adapter-aws';
import { motoCredentials } from '@sef/adapter-aws/testing';

/** One instance as moto has it, with SEF's tags and the ClientToken it was launched with. */
export interface MotoInstance {
  readonly instanceId: string;
  readonly state: string;
  readonly poolId: string;
  readonly agentId: string | undefined;
  readonly role: string | undefined;
  readonly clientToken: string | undefined;
  /** The cause SEF launched it for (`sef:cause`: a notice's id). */
  readonly cause: string | undefined;
  readonly launchedAt: number;
}

/**
 * What `SEF_CLOUD=aws` needs, built in a moto server the way an operator builds it in an account: a VPC
 * with one subnet in us-east-1a and one in us-east-1b, an AMI baked from a bootstrap instance (which is
 * then terminated), a launch template naming it, and one Elastic IP per agent. `env` is the server's
 * environment for it; `launchPrimary` starts an agent's first instance (tagged like SEF's, so the
 * reconciliation sweep and the leak checks see it) and gives it the agent's Elastic IP.
 */
export interface MotoCloud {
  readonly ec2: EC2Client;
  readonly env: Readonly<Record<string, string>>;
  readonly allocations: Readonly<Record<string, string>>;
  launchPrimary(agentId: string, poolId?: string): Promise<string>;
  /** Every instance moto knows, terminated ones included. */
  instances(): Promise<MotoInstance[]>;
  /** Instances tagged by SEF (`sef:agent`) that are pending or running. */
  sefRunning(): Promise<MotoInstance[]>;
  /** The instance the agent's Elastic IP is associated with. */
  eipHolder(agentId: string): Promise<string | undefined>;
  /** Terminates what still runs (the end of the workload) and closes the client. */
  close(): Promise<void>;
}

const region = 'us-east-1';
const subnetsByAz = { 'us-east-1a': '10.42.1.0/24', 'us-east-1b': '10.42.2.0/24' } as const;
/** An AMI moto ships (Amazon Linux); the bootstrap instance the agents' AMI is baked from. */
const baseImage = 'ami-12c6146b';
export const instanceTypes = ['c5.large', 'm5.large', 'm6i.large'] as const;

/** Timings that make a test's failover and sweeps take seconds, not minutes; the settings are the README's. */
export const fastSweeps = {
  SEF_SWEEP_INTERVAL_MS: '300',
  SEF_CLEANUP_INTERVAL: '1',
  SEF_ORPHAN_MIN_AGE: '2',
  SEF_LEASE_TTL_MS: '3000',
  // A primary older than a millisecond is at full age risk (0.3 with the default weights): a rebalance starts a replica.
  SEF_RISK_AGE_HORIZON: '0.001',
  SEF_REBALANCE_RISK_THRESHOLD: '0.2',
  SEF_RATE_LIMIT_MAX: '100000',
  LOG_LEVEL: 'warn',
};

const tag = (i: Instance, key: string) => i.Tags?.find((t) => t.Key === key)?.Value;

/** Builds the VPC, subnets, AMI, launch template and Elastic IPs for `agents` in the moto at `endpoint`. */
export async function prepareMotoCloud(endpoint: string, agents: readonly string[]): Promise<MotoCloud> {
  const ec2 = new EC2Client({ endpoint, region, credentials: motoCredentials });
  const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.42.0.0/16' }))).Vpc!.VpcId!;
  const subnets: Record<string, string> = {};
  for (const [az, cidr] of Object.entries(subnetsByAz)) {
    subnets[az] = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: cidr, AvailabilityZone: az }))).Subnet!.SubnetId!;
  }
  const bootstrap = (await ec2.send(new RunInstancesCommand({ ImageId: baseImage, MinCount: 1, MaxCount: 1, InstanceType: 'c5.large', SubnetId: subnets['us-east-1a'] }))).Instances![0]!.InstanceId!;
  const image = (await ec2.send(new CreateImageCommand({ InstanceId: bootstrap, Name: `sef-agent-${vpc}` }))).ImageId!;
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: [bootstrap] }));
  const template = `sef-agent-${vpc}`;
  await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: template, LaunchTemplateData: { ImageId: image, InstanceType: 'c5.large' } }));
  const allocations: Record<string, string> = {};
  for (const agent of agents) allocations[agent] = (await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }))).AllocationId!;
  const list = (o: Record<string, string>) => Object.entries(o).map(([k, v]) => `${k}=${v}`).join(',');

  const instances = async (): Promise<MotoInstance[]> => {
    const out: MotoInstance[] = [];
    let token: string | undefined;
    do {
      const page = await ec2.send(new DescribeInstancesCommand({ ...(token ? { NextToken: token } : {}) }));
      for (const i of page.Reservations?.flatMap((r) => r.Instances ?? []) ?? []) {
        out.push({
          instanceId: i.InstanceId!, state: i.State!.Name!, poolId: `${i.Placement!.AvailabilityZone}:${i.InstanceType}`,
          agentId: tag(i, instanceTags.agent), role: tag(i, instanceTags.role), clientToken: i.ClientToken || undefined,
          cause: tag(i, instanceTags.cause), launchedAt: i.LaunchTime?.getTime() ?? 0,
        });
      }
      token = page.NextToken || undefined;
    } while (token);
    return out;
  };
  const sefRunning = async () => (await instances()).filter((i) => i.agentId !== undefined && (i.state === 'pending' || i.state === 'running'));

  return {
    ec2,
    allocations,
    env: {
      SEF_CLOUD: 'aws', AWS_REGION: region, SEF_AWS_ENDPOINT: endpoint,
      AWS_ACCESS_KEY_ID: motoCredentials.accessKeyId, AWS_SECRET_ACCESS_KEY: motoCredentials.secretAccessKey,
      SEF_AWS_SUBNETS: list(subnets), SEF_AWS_INSTANCE_TYPES: instanceTypes.join(','),
      SEF_AWS_LAUNCH_TEMPLATE: template, SEF_AWS_EIP_ALLOCATIONS: list(allocations),
    },
    async launchPrimary(agentId, poolId = 'us-east-1a:c5.large') {
      const [az, type] = poolId.split(':') as [string, string];
      const run = await ec2.send(new RunInstancesCommand({
        MinCount: 1, MaxCount: 1, LaunchTemplate: { LaunchTemplateName: template }, InstanceType: type as 'c5.large', SubnetId: subnets[az],
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: instanceTags.agent, Value: agentId }, { Key: instanceTags.role, Value: 'primary' }] }],
      }));
      const id = run.Instances![0]!.InstanceId!;
      await ec2.send(new AssociateAddressCommand({ AllocationId: allocations[agentId], InstanceId: id }));
      return id;
    },
    instances,
    sefRunning,
    async eipHolder(agentId) {
      const out = await ec2.send(new DescribeAddressesCommand({ AllocationIds: [allocations[agentId]!] }));
      return out.Addresses?.[0]?.InstanceId || undefined;
    },
    async close() {
      try {
        const left = (await instances()).filter((i) => i.state === 'pending' || i.state === 'running').map((i) => i.instanceId);
        if (left.length > 0) await ec2.send(new TerminateInstancesCommand({ InstanceIds: left }));
      } finally {
        ec2.destroy();
      }
    },
  };
}
