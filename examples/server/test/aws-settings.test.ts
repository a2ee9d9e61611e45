import { ConfigError } from '@sef/core';
import { describe, expect, it } from 'vitest';
import { awsCloudFromEnv } from '../src/compose/aws.js';

const complete = {
  AWS_REGION: 'us-east-1',
  SEF_AWS_SUBNETS: 'us-east-1a=subnet-1,us-east-1b=subnet-2',
  SEF_AWS_INSTANCE_TYPES: 'c5.large,m5.large',
  SEF_AWS_LAUNCH_TEMPLATE: 'sef-agent',
  SEF_AWS_EIP_ALLOCATIONS: 'a1=eipalloc-1',
};

describe('EC2 settings (SEF_CLOUD=aws)', () => {
  it('a missing or malformed setting stops the start, naming each one', () => {
    let error: unknown;
    try {
      awsCloudFromEnv({ AWS_REGION: 'us-east-1', SEF_AWS_SUBNETS: 'us-east-1a', SEF_AWS_INSTANCE_TYPES: 'c5.large' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.path).sort()).toEqual(['SEF_AWS_EIP_ALLOCATIONS', 'SEF_AWS_SUBNETS']);
  });

  it('needs a launch template or an image', () => {
    const { SEF_AWS_LAUNCH_TEMPLATE: _omitted, ...rest } = complete;
    expect(() => awsCloudFromEnv(rest)).toThrow(/SEF_AWS_LAUNCH_TEMPLATE or SEF_AWS_IMAGE_ID/);
  });

  it('complete settings give the three providers; an agent without an Elastic IP is named', async () => {
    const cloud = awsCloudFromEnv(complete);
    try {
      expect(cloud.compute.capabilities).toBeDefined();
      await expect(cloud.router.route('a2', 'i-1')).rejects.toThrow(/no Elastic IP allocation for agent a2/);
    } finally {
      cloud.close();
    }
  });

  it('the pools the fleet may use are the allowed instance types in every AZ with a subnet', () => {
    const cloud = awsCloudFromEnv(complete);
    try {
      expect(cloud.pools.map((p) => p.id).sort()).toEqual(['us-east-1a:c5.large', 'us-east-1a:m5.large', 'us-east-1b:c5.large', 'us-east-1b:m5.large']);
      expect(cloud.pools[0]).toMatchObject({ region: 'us-east-1', availabilityZone: 'us-east-1a', instanceType: 'c5.large' });
    } finally {
      cloud.close();
    }
  });
});
