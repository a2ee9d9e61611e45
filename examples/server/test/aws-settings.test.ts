import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '@sef/core';
import { describe, expect, it, vi } from 'vitest';
import { awsCloudFromEnv, ec2RetrySettings } from '../src/compose/aws.js';

const complete = {
  AWS_REGION: 'us-east-1',
  SEF_AWS_SUBNETS: 'us-east-1a=subnet-1,us-east-1b=subnet-2',
  SEF_AWS_INSTANCE_TYPES: 'c5.large,m5.large,m6i.large',
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
    expect((error as ConfigError).issues.map((i) => i.path).sort()).toEqual(['SEF_AWS_EIP_ALLOCATIONS', 'SEF_AWS_LAUNCH_TEMPLATE', 'SEF_AWS_SUBNETS']);
  });

  it('SEF_AWS_PRICE_CACHE_TTL_MS is a whole number of milliseconds >= 0; anything else is named', () => {
    for (const bad of ['-1', '1.5', 'soon']) {
      expect(() => awsCloudFromEnv({ ...complete, SEF_AWS_PRICE_CACHE_TTL_MS: bad })).toThrow(/SEF_AWS_PRICE_CACHE_TTL_MS/);
    }
    for (const good of ['0', '30000']) awsCloudFromEnv({ ...complete, SEF_AWS_PRICE_CACHE_TTL_MS: good }).close();
  });

  it('needs a launch template or an image', () => {
    const { SEF_AWS_LAUNCH_TEMPLATE: _omitted, ...rest } = complete;
    expect(() => awsCloudFromEnv(rest)).toThrow(/SEF_AWS_LAUNCH_TEMPLATE or SEF_AWS_IMAGE_ID/);
  });

  it('complete settings give the three providers; an agent without an Elastic IP is named', async () => {
    const cloud = awsCloudFromEnv(complete);
    try {
      expect(cloud.compute.capabilities).toEqual({ snapshots: true, onDemand: true, restoreInto: true });
      await expect(cloud.router.route('a2', 'i-1')).rejects.toThrow(/no Elastic IP allocation for agent a2/);
    } finally {
      cloud.close();
    }
  });

  it('the pools the fleet may use are the allowed instance types in every AZ with a subnet', () => {
    const cloud = awsCloudFromEnv(complete);
    try {
      expect(cloud.pools.map((p) => p.id).sort()).toEqual([
        'us-east-1a:c5.large', 'us-east-1a:m5.large', 'us-east-1a:m6i.large', 'us-east-1b:c5.large', 'us-east-1b:m5.large', 'us-east-1b:m6i.large',
      ]);
      expect(cloud.pools[0]).toMatchObject({ region: 'us-east-1', availabilityZone: 'us-east-1a', instanceType: 'c5.large' });
    } finally {
      cloud.close();
    }
  });

  it.each(['SEF_AWS_ENDPOINT', 'AWS_ENDPOINT_URL'])('%s points the EC2 client elsewhere; a failing call is made 5 times (the README\'s retry advice)', async (variable) => {
    let requests = 0;
    const server = createServer((req, res) => {
      requests++;
      req.resume();
      req.on('end', () => {
        res.writeHead(503, { 'content-type': 'text/xml' });
        res.end('<Response><Errors><Error><Code>Unavailable</Code><Message>down</Message></Error></Errors><RequestID>r</RequestID></Response>');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // The SDK's credential chain reads the process environment.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'testing');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'testing');
    const cloud = awsCloudFromEnv({ ...complete, [variable]: endpoint });
    try {
      await expect(cloud.router.current('a1')).rejects.toMatchObject({ code: 'PROVIDER', retryable: true });
      expect(requests).toBe(ec2RetrySettings.maxAttempts);
      expect(ec2RetrySettings).toEqual({ maxAttempts: 5, retryMode: 'adaptive' });
    } finally {
      cloud.close();
      vi.unstubAllEnvs();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('an endpoint that is not a URL is named', () => {
    expect(() => awsCloudFromEnv({ ...complete, SEF_AWS_ENDPOINT: 'localhost 4566' })).toThrow(/SEF_AWS_ENDPOINT/);
  });
});
