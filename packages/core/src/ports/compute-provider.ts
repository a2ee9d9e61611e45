import type { Market, Role } from './types.js';

export type InstanceState = 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';

export interface InstanceInfo {
  readonly instanceId: string;
  readonly poolId: string;
  readonly market: Market;
  readonly state: InstanceState;
  /** ms */
  readonly launchedAt: number;
}

/** Options of every provider call: the deadline's signal and a token that makes retries safe. */
export interface CallOptions {
  readonly signal?: AbortSignal;
  /**
   * The same token twice means the same request (EC2 `ClientToken`): the second call must not act again.
   * A launch binds its token only when it succeeds; a later launch with the token answers that instance,
   * also when it asks for another pool or market (a cause tries pools in turn under one token).
   */
  readonly idempotencyToken?: string;
}

export interface LaunchRequest {
  readonly agentId: string;
  readonly poolId: string;
  readonly role: Role;
  readonly market: Market;
  /** Launch from this snapshot (emergency recovery), else from the agent's image. */
  readonly snapshotIds?: readonly string[];
  /** The notice (or other cause) the launch is for; providers tag the instance with it (EC2: `sef:cause`). */
  readonly causeId?: string;
}

/** An instance SEF launched, as the provider's inventory lists it (by the tags every launch carries). */
export interface LaunchedInstance extends InstanceInfo {
  readonly agentId: string;
  readonly role: Role;
  /** The launch request's `causeId` (EC2: the `sef:cause` tag), when it had one. */
  readonly causeId?: string;
}

export interface SnapshotInfo {
  readonly snapshotIds: readonly string[];
}

/** Capabilities a provider may lack; the core checks them instead of catching missing methods. */
export interface ComputeCapabilities {
  readonly snapshots: boolean;
  readonly onDemand: boolean;
  /** `restoreInto` restores snapshots into an instance that already runs (a syncing replica). */
  readonly restoreInto: boolean;
}

/**
 * What the provider expects its slow operations to take (ms), for plans made against a deadline (an
 * emergency recovery restores into a syncing replica only when that is expected to end in time).
 */
export interface ExpectedLatencies {
  /** `snapshot` of an instance's volumes. */
  readonly snapshot: number;
  /** A launch accepted to running, from snapshots (what an emergency relaunch waits for). */
  readonly launchFromSnapshots: number;
  /** `restoreInto` a running instance. */
  readonly restoreInto: number;
  /** A reroute (`Router.route`). */
  readonly route: number;
}

/**
 * Compute in the cloud (EC2, or the simulator).
 *
 * Promises:
 * - Calls with the same `idempotencyToken` act once: a retried launch returns the instance of the first.
 * - Every call honours `signal`: when it aborts, the call rejects promptly with the signal's reason.
 * - No capacity in a pool rejects with `CapacityError`, a pool the provider cannot use with the agent's
 *   settings with `PoolUnusableError` (the core tries the next pool for both); other refusals with
 *   `ProviderError`.
 * - `launch` resolves once the provider accepted the request (state `pending` or `running`);
 *   `waitUntilRunning` resolves when it runs.
 */
export interface ComputeProvider {
  readonly capabilities: ComputeCapabilities;
  readonly expectedLatencies: ExpectedLatencies;
  launch(request: LaunchRequest, options?: CallOptions): Promise<InstanceInfo>;
  waitUntilRunning(instanceId: string, options?: CallOptions): Promise<InstanceInfo>;
  terminate(instanceId: string, options?: CallOptions): Promise<void>;
  /** Snapshots every volume of the instance at once (EC2 CreateSnapshots). */
  snapshot(instanceId: string, options?: CallOptions): Promise<SnapshotInfo>;
  describe(instanceId: string, options?: CallOptions): Promise<InstanceInfo | undefined>;
  /**
   * Restores `snapshotIds` into the running instance `instanceId` (its volumes replaced by volumes made
   * from them), resolving when the data is there. Idempotent per token. Only when
   * `capabilities.restoreInto`; otherwise it rejects with `ProviderError`.
   */
  restoreInto(instanceId: string, snapshotIds: readonly string[], options?: CallOptions): Promise<void>;
  /**
   * Every instance SEF launched that is not terminated yet (tagged at launch with its agent and role), for
   * the reconciliation sweep; instances SEF did not launch (an agent's first primary) are not listed.
   * Eventually consistent on EC2: an instance launched a moment ago may be missing, one terminated a moment
   * ago may still be listed.
   */
  listLaunched(options?: CallOptions): Promise<LaunchedInstance[]>;
}
