import { AssociateAddressCommand, DescribeAddressesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { CallOptions, Router } from '@sef/core';
import { ProviderError } from '@sef/core';
import { callAws } from './errors.js';

export interface ElasticIpRouterOptions {
  /** An EC2 client of the agents' region. */
  readonly client: EC2Client;
  /** The allocation id (`eipalloc-...`) of each agent's Elastic IP. */
  readonly allocationId: (agentId: string) => string | Promise<string>;
}

const send = (signal: AbortSignal | undefined) => (signal ? { abortSignal: signal } : {});
const at = (call: CallOptions | undefined) => (call?.signal ? { signal: call.signal } : {});

/**
 * The default {@link Router}: moves the agent's Elastic IP to the instance (AssociateAddress with
 * `AllowReassociation`). Routing to the instance that already holds the address makes no call.
 * @example
 * const router = createElasticIpRouter({ client: new EC2Client({ region: 'us-east-1' }), allocationId: (id) => eips[id] });
 */
export function createElasticIpRouter(options: ElasticIpRouterOptions): Router {
  const { client } = options;

  const current = async (agentId: string, call?: CallOptions): Promise<string | undefined> => {
    const allocationId = await options.allocationId(agentId);
    const out = await callAws('DescribeAddresses', () =>
      client.send(new DescribeAddressesCommand({ AllocationIds: [allocationId] }), send(call?.signal)), at(call));
    const address = out.Addresses?.find((a) => a.AllocationId === allocationId);
    if (!address) throw new ProviderError(`Elastic IP ${allocationId} of agent ${agentId} not found`);
    return address.InstanceId || undefined;
  };

  return {
    current,
    async route(agentId, instanceId, call) {
      if ((await current(agentId, call)) === instanceId) return;
      const allocationId = await options.allocationId(agentId);
      await callAws('AssociateAddress', () =>
        client.send(new AssociateAddressCommand({ AllocationId: allocationId, InstanceId: instanceId, AllowReassociation: true }), send(call?.signal)), at(call));
    },
  };
}
