import { EC2Client } from '@aws-sdk/client-ec2';
import { createEc2ComputeProvider, createEc2PriceFeed, createElasticIpRouter } from '@sef/adapter-aws';
import { ConfigError, poolId, type ComputeProvider, type PoolRecord, type PriceFeed, type Router } from '@sef/core';
import { z } from 'zod';

/** `a=x,b=y` → `{ a: 'x', b: 'y' }`. */
const pairs = z
  .string()
  .regex(/^([^=,\s]+=[^=,\s]+)(,[^=,\s]+=[^=,\s]+)*$/, 'expected key=value pairs separated by commas')
  .transform((s) => Object.fromEntries(s.split(',').map((p) => p.split('=') as [string, string])));
const list = z.string().regex(/^[^,\s]+(,[^,\s]+)*$/, 'expected a comma-separated list').transform((s) => s.split(','));

/** The EC2 settings of the fleet, one for every agent (`SEF_CLOUD=aws`). */
const awsSchema = z.object({
  AWS_REGION: z.string().min(1),
  /** Subnet per availability zone the agents may run in: `us-east-1a=subnet-1,us-east-1b=subnet-2`. */
  SEF_AWS_SUBNETS: pairs,
  /** Instance types the agents may move to: `c5.large,m5.large`. */
  SEF_AWS_INSTANCE_TYPES: list,
  /** The agents' launch template name (or `SEF_AWS_IMAGE_ID`). */
  SEF_AWS_LAUNCH_TEMPLATE: z.string().min(1).optional(),
  SEF_AWS_IMAGE_ID: z.string().min(1).optional(),
  /** Elastic IP allocation of each agent: `agent-1=eipalloc-1,agent-2=eipalloc-2`. */
  SEF_AWS_EIP_ALLOCATIONS: pairs,
  /** Another EC2 endpoint (moto's server in the tests); the SDK's own variable, or ours. */
  AWS_ENDPOINT_URL: z.url().optional(),
  SEF_AWS_ENDPOINT: z.url().optional(),
  /** How long a spot price history or placement-score answer serves later pool choices (ms); 0 keeps none. */
  SEF_AWS_PRICE_CACHE_TTL_MS: z.coerce.number().int().min(0).optional(),
});

/** The adapter README's advice: 5 attempts with adaptive (client-side rate-limited) retries. */
export const ec2RetrySettings = { maxAttempts: 5, retryMode: 'adaptive' } as const;

export interface AwsCloud {
  readonly compute: ComputeProvider;
  readonly priceFeed: PriceFeed;
  readonly router: Router;
  /** The pools the agents may run in (allowed instance types × the AZs with a subnet): reports for others are rejected. */
  readonly pools: readonly PoolRecord[];
  close(): void;
}

/** The EC2 settings, read and checked. */
export type AwsSettings = z.output<typeof awsSchema>;

/** Reads the EC2 settings from the environment; a missing or bad setting names itself, every one at once. */
export function awsSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): AwsSettings {
  const raw = Object.fromEntries(Object.keys(awsSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const parsed = awsSchema.safeParse(raw);
  const issues: ConfigIssue[] = parsed.success ? [] : parsed.error.issues.map((i) => ({ path: i.path.join('.'), code: i.code, message: i.message }));
  if (raw['SEF_AWS_LAUNCH_TEMPLATE'] === undefined && raw['SEF_AWS_IMAGE_ID'] === undefined) {
    issues.push({ path: 'SEF_AWS_LAUNCH_TEMPLATE', code: 'required', message: 'set SEF_AWS_LAUNCH_TEMPLATE or SEF_AWS_IMAGE_ID' });
  }
  if (!parsed.success || issues.length > 0) throw new ConfigError(issues);
  return parsed.data;
}

type ConfigIssue = ConfigError['issues'][number];

/** Builds the EC2 providers from the environment; a missing or bad setting names itself. */
export function awsCloudFromEnv(env: Readonly<Record<string, string | undefined>>): AwsCloud {
  return createAwsCloud(awsSettingsFromEnv(env));
}

/** The EC2 providers of checked settings. */
export function createAwsCloud(s: AwsSettings): AwsCloud {
  const endpoint = s.SEF_AWS_ENDPOINT ?? s.AWS_ENDPOINT_URL;
  const client = new EC2Client({ region: s.AWS_REGION, ...ec2RetrySettings, ...(endpoint !== undefined ? { endpoint } : {}) });
  const launchSpec = {
    subnets: s.SEF_AWS_SUBNETS,
    ...(s.SEF_AWS_LAUNCH_TEMPLATE !== undefined ? { launchTemplate: { name: s.SEF_AWS_LAUNCH_TEMPLATE } } : {}),
    ...(s.SEF_AWS_IMAGE_ID !== undefined ? { imageId: s.SEF_AWS_IMAGE_ID } : {}),
  };
  return {
    compute: createEc2ComputeProvider({ client, launchSpec: () => launchSpec }),
    priceFeed: createEc2PriceFeed({
      client, instanceTypes: s.SEF_AWS_INSTANCE_TYPES, availabilityZones: Object.keys(s.SEF_AWS_SUBNETS),
      ...(s.SEF_AWS_PRICE_CACHE_TTL_MS !== undefined ? { priceCacheTtl: s.SEF_AWS_PRICE_CACHE_TTL_MS } : {}),
    }),
    router: createElasticIpRouter({
      client,
      allocationId: (agentId) => {
        const id = s.SEF_AWS_EIP_ALLOCATIONS[agentId];
        if (id === undefined) throw new ConfigError([{ path: 'SEF_AWS_EIP_ALLOCATIONS', code: 'missing', message: `no Elastic IP allocation for agent ${agentId}` }]);
        return id;
      },
    }),
    pools: Object.keys(s.SEF_AWS_SUBNETS).flatMap((availabilityZone) =>
      s.SEF_AWS_INSTANCE_TYPES.map((instanceType) => ({ id: poolId(availabilityZone, instanceType), region: s.AWS_REGION, availabilityZone, instanceType })),
    ),
    close: () => client.destroy(),
  };
}
