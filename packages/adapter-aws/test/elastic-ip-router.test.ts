import { AssociateAddressCommand, DescribeAddressesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ProviderError } from '@sef/core';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createElasticIpRouter } from '../src/index.js';
import { awsError } from './aws-errors.js';

const ec2 = mockClient(EC2Client);
afterEach(() => ec2.reset());
const router = createElasticIpRouter({ client: new EC2Client({ region: 'us-east-1' }), allocationId: (agentId) => `eipalloc-${agentId}` });

describe('Elastic IP router', () => {
  it('moves the address with AssociateAddress and AllowReassociation', async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [{ AllocationId: 'eipalloc-a1', InstanceId: 'i-old', PublicIp: '203.0.113.10' }] });
    ec2.on(AssociateAddressCommand).resolves({ AssociationId: 'eipassoc-1' });
    await router.route('a1', 'i-new');
    expect(ec2.commandCalls(DescribeAddressesCommand)[0]!.args[0].input).toEqual({ AllocationIds: ['eipalloc-a1'] });
    expect(ec2.commandCalls(AssociateAddressCommand)[0]!.args[0].input).toEqual({ AllocationId: 'eipalloc-a1', InstanceId: 'i-new', AllowReassociation: true });
  });

  it('routing to the instance that already has the address changes nothing', async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [{ AllocationId: 'eipalloc-a1', InstanceId: 'i-new' }] });
    await router.route('a1', 'i-new');
    expect(ec2.commandCalls(AssociateAddressCommand)).toHaveLength(0);
  });

  it('current is the associated instance, or undefined for an unassociated address', async () => {
    ec2.on(DescribeAddressesCommand).resolvesOnce({ Addresses: [{ AllocationId: 'eipalloc-a1', InstanceId: 'i-7' }] }).resolves({ Addresses: [{ AllocationId: 'eipalloc-a1' }] });
    await expect(router.current('a1')).resolves.toBe('i-7');
    await expect(router.current('a1')).resolves.toBeUndefined();
  });

  it('errors become ProviderError with the SDK error as cause', async () => {
    const cause = awsError('InvalidAllocationID.NotFound');
    ec2.on(DescribeAddressesCommand).rejects(cause);
    const error = await router.route('a1', 'i-new').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ cause, retryable: false });
  });
});
