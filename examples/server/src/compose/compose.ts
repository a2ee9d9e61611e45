import { hostname } from 'node:os';
import { configFromEnv, createSef, simulatedPools, systemClock, type DedupeBuffer, type SefConfig } from '@sef/core';
import type { Logger } from 'pino';
import type { ServerSef } from '../sef-api.js';
import type { ServerSettings } from './settings.js';

/** A composed SEF: the instance, what the server shares with it, and how to close what was opened. */
export interface Composition {
  readonly sef: ServerSef;
  readonly config: SefConfig;
  /** The dedupe buffer, for `/readyz` (undefined: the core's in-memory default). */
  readonly buffer: DedupeBuffer | undefined;
  /** The ioredis client when Redis is configured: the rate limit shares it. */
  readonly redis: unknown;
  /** Which backends run, for the start banner. */
  readonly backends: { readonly storage: string; readonly buffer: string; readonly cloud: string };
  /** Stops SEF (draining its queue) and closes every client opened here. */
  close(): Promise<void>;
}

type Module = Record<string, unknown>;
/** Adapters are loaded only when configured, by name, so the embedded default needs none of them. */
const load = (name: string): Promise<Module> => import(name) as Promise<Module>;
const fn = <T>(mod: Module, name: string, pkg: string): T => {
  const f = mod[name];
  if (typeof f !== 'function') throw new Error(`${pkg} does not export ${name}`);
  return f as T;
};

/**
 * Builds SEF from the settings: embedded defaults (in-memory stores, simulated cloud), or Postgres
 * (`DATABASE_URL`, migrations run first), Redis (`REDIS_URL`: dedupe buffer, ingest queue, leases, rate
 * limit) and AWS (`SEF_CLOUD=aws`). Every `SEF_*` threshold comes from the environment.
 */
export async function composeFromEnv(settings: ServerSettings, env: Readonly<Record<string, string | undefined>>, log: Logger): Promise<Composition> {
  const config = configFromEnv(env);
  const closers: (() => Promise<unknown>)[] = [];
  const deps: Record<string, unknown> = {};
  const backends = { storage: 'memory', buffer: 'memory', cloud: 'simulated' };
  let buffer: DedupeBuffer | undefined;
  let redis: unknown;
  const instanceId = settings.SEF_INSTANCE_ID ?? `${hostname()}-${process.pid}`;

  try {
    if (settings.DATABASE_URL !== undefined) {
      const pg = await load('pg');
      const Pool = (pg['default'] as { Pool: new (o: object) => { end(): Promise<void>; on(e: string, f: (err: unknown) => void): void } }).Pool;
      const pool = new Pool({ connectionString: settings.DATABASE_URL, max: 10 });
      pool.on('error', (error) => log.error({ err: error }, 'postgres pool error'));
      closers.push(() => pool.end());
      const adapter = await load('@sef/adapter-postgres');
      const schema = settings.SEF_PG_SCHEMA !== undefined ? { schema: settings.SEF_PG_SCHEMA } : {};
      await fn<(p: unknown, o: object) => Promise<unknown>>(adapter, 'migrate', '@sef/adapter-postgres')(pool, schema);
      deps['storage'] = fn<(o: object) => unknown>(adapter, 'createPostgresStorage', '@sef/adapter-postgres')({ pool, ...schema });
      backends.storage = 'postgres';
    }
    if (settings.REDIS_URL !== undefined) {
      const { Redis } = (await load('ioredis')) as { Redis: new (url: string, o: object) => { quit(): Promise<unknown>; on(e: string, f: (err: unknown) => void): void } };
      const client = new Redis(settings.REDIS_URL, { maxRetriesPerRequest: 2, connectTimeout: 2000 });
      client.on('error', (error) => log.error({ err: error }, 'redis client error'));
      closers.push(() => client.quit());
      redis = client;
      const adapter = await load('@sef/adapter-redis');
      const o = { client, keyPrefix: settings.SEF_REDIS_PREFIX };
      buffer = fn<(o: object) => DedupeBuffer>(adapter, 'createRedisBuffer', '@sef/adapter-redis')(o);
      deps['buffer'] = buffer;
      deps['queue'] = fn<(o: object) => unknown>(adapter, 'createRedisIngestQueue', '@sef/adapter-redis')(o);
      deps['leases'] = fn<(o: object) => unknown>(adapter, 'createRedisLeaseManager', '@sef/adapter-redis')(o);
      backends.buffer = 'redis';
    }
    if (settings.SEF_CLOUD === 'aws') {
      const { EC2Client } = (await load('@aws-sdk/client-ec2')) as { EC2Client: new (o: object) => { destroy(): void } };
      const client = new EC2Client({ region: settings.AWS_REGION });
      closers.push(async () => client.destroy());
      const aws = await load('@sef/adapter-aws');
      deps['compute'] = fn<(o: object) => unknown>(aws, 'createEc2ComputeProvider', '@sef/adapter-aws')({ client });
      deps['priceFeed'] = fn<(o: object) => unknown>(aws, 'createEc2PriceFeed', '@sef/adapter-aws')({ client });
      deps['router'] = fn<(o: object) => unknown>(aws, 'createElasticIpRouter', '@sef/adapter-aws')({ client });
      backends.cloud = `aws (${settings.AWS_REGION})`;
    }

    const sef: ServerSef = createSef({ ...deps, config, clock: systemClock, instanceId });
    // The simulated cloud's pools must be known to the storage, whichever storage it is (upsert is idempotent).
    if (settings.SEF_CLOUD === 'simulated') await sef.storage.pools.upsert(simulatedPools());
    await sef.start();
    return {
      sef,
      config,
      buffer,
      redis,
      backends,
      async close() {
        try {
          await sef.stop();
        } finally {
          for (const close of closers.reverse()) await close().catch((error: unknown) => log.error({ err: error }, 'close failed'));
        }
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw error;
  }
}
