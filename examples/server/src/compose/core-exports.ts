import * as core from '@sef/core';
import type { Clock, DedupeBuffer, IngestQueue, PoolRecord, SefConfigInput, SefStorage } from '@sef/core';
import type { ServerSef } from '../sef-api.js';

/** The options of the core's `createSef` the server passes (the replica dependencies are added by the core). */
export interface CreateSefOptions {
  readonly config?: SefConfigInput;
  readonly storage?: SefStorage;
  readonly buffer?: DedupeBuffer;
  readonly queue?: IngestQueue;
  readonly clock?: Clock;
  readonly instanceId?: string;
  readonly [dependency: string]: unknown;
}

/** One fleet batch (core `src/sim/fleet.ts`). */
export interface FleetBatchLike {
  readonly at: number;
  readonly agentId: string;
  readonly role: 'primary' | 'replica';
  readonly reports: readonly { instanceId: string; poolId: string; timestamp: number; price: number }[];
}

export interface FleetLike {
  readonly agents: readonly { id: string; poolId: string; primaryInstanceId: string; replicaInstanceId: string }[];
  batches(): Iterator<FleetBatchLike>;
}

interface CoreFactories {
  createSef(options: CreateSefOptions): ServerSef;
  simulatedPools(): PoolRecord[];
  createFleetSimulation(options: { seed?: number; agents?: number; start: number; duration?: number }): FleetLike;
}

/**
 * The core's factories, looked up by name. They are being exported from `@sef/core` while the server is
 * written; a missing one fails the start with its name instead of failing the type check of the server.
 * TODO(integration): replace with plain named imports once `@sef/core` exports all three.
 */
export function coreFactory<K extends keyof CoreFactories>(name: K): CoreFactories[K] {
  const fn = (core as Record<string, unknown>)[name];
  if (typeof fn !== 'function') throw new Error(`@sef/core does not export ${name} yet`);
  return fn as CoreFactories[K];
}
