import type { CallOptions } from './compute-provider.js';

/**
 * Points an agent's traffic at an instance (EC2: Elastic IP reassociation). Idempotent: routing to the
 * instance that already has the traffic succeeds and changes nothing.
 */
export interface Router {
  route(agentId: string, instanceId: string, options?: CallOptions): Promise<void>;
  /** The instance that has the traffic now, if known. */
  current(agentId: string, options?: CallOptions): Promise<string | undefined>;
}
