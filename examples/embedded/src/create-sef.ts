import { migrate, createPostgresStorage } from '@sef/adapter-postgres';
import { createRedisBuffer, createRedisIngestQueue, createRedisLeaseManager } from '@sef/adapter-redis';
import { createSef, createSimulatedCloud, simulatedPools, systemClock, type Sef, type SefConfigInput } from '@sef/core';
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
  /** SEF settings (README configuration table); the spec's defaults otherwise. @default {} */
  readonly config?: SefConfigInput;
}

/**
 * SEF inside an existing backend: durable stores in Postgres, dedupe buffer, ingest queue and leases
 * in Redis (so several copies of the app share the work), and the simulated cloud; pass
 * `cloud: { compute, priceFeed, router }` from `@sef/adapter-aws` for real EC2.
 * @example
 * const sef = await createBackendSef({ pool, redis });
 * sef.start();
 */
export async function createBackendSef(options: BackendSefOptions): Promise<Sef> {
  const schema = options.schema ?? 'sef';
  const keyPrefix = options.keyPrefix ?? 'sef:';
  await migrate(options.pool, { schema }); // idempotent; safe when several app instances start at once
  const storage = createPostgresStorage({ pool: options.pool, schema });
  // Reports and launches name pools SEF must know (upsert is idempotent). With @sef/adapter-aws, the
  // allowed instance types × AZs instead.
  await storage.pools.upsert(simulatedPools());
  const sef = createSef({
    storage,
    buffer: createRedisBuffer({ client: options.redis, keyPrefix }),
    queue: createRedisIngestQueue({ client: options.redis, keyPrefix }),
    leases: createRedisLeaseManager({ client: options.redis, keyPrefix }),
    cloud: createSimulatedCloud({ clock: systemClock }),
    clock: systemClock,
    config: options.config ?? {},
  });
  return sef;
}
