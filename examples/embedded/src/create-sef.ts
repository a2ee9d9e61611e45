import { migrate, createPostgresStorage } from '@sef/adapter-postgres';
import { createRedisBuffer, createRedisIngestQueue, createRedisLeaseManager } from '@sef/adapter-redis';
import { createSef, systemClock, type PoolRecord, type Sef, type SefConfigInput, type SefOptions } from '@sef/core';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';

export interface BackendSefOptions {
  /** Your app's Postgres pool; SEF's tables go into `schema`. */
  readonly pool: Pool;
  /** Your app's Redis client (without ioredis' own keyPrefix). */
  readonly redis: Redis;
  /** @default 'sef' */
  readonly schema?: string;
  /** @default 'sef:' */
  readonly keyPrefix?: string;
  /**
   * Where replicas are launched, prices read and traffic routed: the EC2 providers of `@sef/adapter-aws`,
   * or `createSimulatedCloud({ clock: systemClock })` to try SEF out (no default: SEF never picks a cloud).
   */
  readonly cloud: SefOptions['cloud'];
  /** The pools your agents run in; reports naming any other are rejected (e.g. `simulatedPools()` with the simulated cloud). */
  readonly pools: readonly PoolRecord[];
  /** SEF settings (README configuration table); the spec's defaults otherwise. @default {} */
  readonly config?: SefConfigInput;
}

/**
 * SEF inside an existing backend: durable stores in Postgres, dedupe buffer, ingest queue and leases
 * in Redis (so several copies of the app share the work), and the cloud you pass.
 * @example
 * const sef = await createBackendSef({ pool, redis, cloud: createSimulatedCloud({ clock: systemClock }), pools: simulatedPools() });
 * sef.start();
 */
export async function createBackendSef(options: BackendSefOptions): Promise<Sef> {
  const schema = options.schema ?? 'sef';
  const keyPrefix = options.keyPrefix ?? 'sef:';
  await migrate(options.pool, { schema }); // idempotent; safe when several app instances start at once
  const storage = createPostgresStorage({ pool: options.pool, schema });
  // Reports and launches name pools SEF must know (upsert is idempotent).
  await storage.pools.upsert(options.pools);
  const sef = createSef({
    storage,
    buffer: createRedisBuffer({ client: options.redis, keyPrefix }),
    queue: createRedisIngestQueue({ client: options.redis, keyPrefix }),
    leases: createRedisLeaseManager({ client: options.redis, keyPrefix }),
    cloud: options.cloud,
    clock: systemClock,
    config: options.config ?? {},
  });
  return sef;
}
