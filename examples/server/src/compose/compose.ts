import { once } from 'node:events';
import { hostname } from 'node:os';
import { createPostgresLeaseManager, createPostgresStorage, migrate, migrations } from '@sef/adapter-postgres';
import { createRedisBuffer, createRedisIngestQueue, createRedisLeaseManager, redisClientOptions } from '@sef/adapter-redis';
import { configFromEnv, createMemoryStorage, createSef, createSimulatedCloud, realisticLatencies, riskHeuristicFromEnv, simulatedPools, systemClock, type AgentRecord, type DedupeBuffer, type PoolRecord, type SefConfig, type SefOptions, type SimulatedCloud } from '@sef/core';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Logger } from 'pino';
import type { ServerSef } from '../sef-api.js';
import { awsCloudFromEnv } from './aws.js';
import { createHttpRiskModel } from './http-risk-model.js';
import type { ServerSettings } from './settings.js';

/** A composed SEF: the instance, what the server shares with it, and how to close what was opened. */
export interface Composition {
  readonly sef: ServerSef;
  readonly config: SefConfig;
  /** The dedupe buffer, for `/readyz` (undefined: the core's in-memory default). */
  readonly buffer: DedupeBuffer | undefined;
  /** The Redis client when Redis is configured: the rate limit shares it. */
  readonly redis: Redis | undefined;
  /**
   * Makes a newly registered agent's primary known to the cloud. The simulated cloud only knows instances
   * it launched, while a real agent's primary already runs; EC2 needs nothing.
   */
  adoptAgent(agent: AgentRecord): void;
  /** Which backends run, for the start banner. */
  readonly backends: { readonly storage: string; readonly buffer: string; readonly leases: string; readonly cloud: string };
  /** Stops SEF (draining its queue) and closes every client opened here. */
  close(): Promise<void>;
}

/**
 * Builds SEF from the settings: in-memory stores and the simulated cloud without a real backend, or Postgres
 * (`DATABASE_URL`, migrations run first; also the leases when there is no Redis), Redis (`REDIS_URL`:
 * dedupe buffer, ingest queue, leases, rate limit) and EC2 (`SEF_CLOUD=aws`); the simulated cloud runs only
 * when `settings.simulate.cloud` says so. Every `SEF_*` threshold,
 * and the risk heuristic's `SEF_RISK_*` constants, come from the environment.
 * @example
 * const composition = await composeFromEnv(settingsFromEnv(process.env), process.env, pino());
 */
export async function composeFromEnv(settings: ServerSettings, env: Readonly<Record<string, string | undefined>>, log: Logger): Promise<Composition> {
  const config = configFromEnv(env);
  const riskHeuristic = riskHeuristicFromEnv(env);
  const closers: (() => Promise<unknown>)[] = [];
  const deps: { -readonly [K in keyof SefOptions]?: SefOptions[K] } = {};
  const backends = { storage: 'memory', buffer: 'memory', leases: 'memory', cloud: 'simulated' };
  let buffer: DedupeBuffer | undefined;
  let redis: Redis | undefined;
  let simulated: SimulatedCloud | undefined;
  let awsPools: readonly PoolRecord[] = [];
  const instanceId = settings.SEF_INSTANCE_ID ?? `${hostname()}-${process.pid}`;
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch((error: unknown) => log.error({ err: error }, 'close failed'));
  };

  try {
    if (settings.DATABASE_URL !== undefined) {
      const schema = settings.SEF_PG_SCHEMA !== undefined ? { schema: settings.SEF_PG_SCHEMA } : {};
      // Migrations on a connection of their own, without the request timeouts (an index build may take long).
      await migrateOnce(settings.DATABASE_URL, schema, log);
      const pool = new pg.Pool(postgresPoolOptions(settings));
      pool.on('error', (error) => log.error({ err: error }, 'postgres pool error'));
      closers.push(() => pool.end());
      deps.storage = createPostgresStorage({ pool, ...schema });
      backends.storage = 'postgres';
      // Leases (and their fencing tokens) shared by every instance on the database; Redis' replace them below.
      deps.leases = createPostgresLeaseManager({ pool, ...schema });
      backends.leases = 'postgres';
    }
    if (settings.REDIS_URL !== undefined) {
      const client = new Redis(settings.REDIS_URL, { ...redisClientOptions, commandTimeout: settings.SEF_REDIS_COMMAND_TIMEOUT, connectTimeout: settings.SEF_REDIS_COMMAND_TIMEOUT });
      client.on('error', (error: unknown) => log.error({ err: error }, 'redis client error'));
      closers.push(() => client.quit());
      // No offline queue: commands before the first connection would fail, so wait for it.
      await once(client, 'ready');
      redis = client;
      const o = { client, keyPrefix: settings.SEF_REDIS_PREFIX };
      buffer = createRedisBuffer(o);
      deps.buffer = buffer;
      deps.queue = createRedisIngestQueue({ ...o, enqueueTimeoutMs: settings.SEF_REDIS_REQUEST_TIMEOUT });
      deps.leases = createRedisLeaseManager(o);
      backends.buffer = 'redis';
      backends.leases = 'redis';
    }
    let cloud: SefOptions['cloud'];
    if (settings.SEF_CLOUD === 'aws') {
      const aws = awsCloudFromEnv(env);
      closers.push(async () => aws.close());
      cloud = { compute: aws.compute, priceFeed: aws.priceFeed, router: aws.router };
      awsPools = aws.pools;
      backends.cloud = `aws (${settings.AWS_REGION})`;
    } else {
      // EC2-like latencies by default, so the dashboard shows replicas launching, syncing and ready.
      const latencies = settings.SEF_SIM_LATENCY === 'realistic' ? realisticLatencies : {};
      simulated = createSimulatedCloud({ clock: systemClock, latencies });
      cloud = simulated;
      backends.cloud = `simulated (${settings.SEF_SIM_LATENCY} latencies)`;
    }

    // Without DATABASE_URL: memory, lost on exit (the start banner says so).
    const storage = deps.storage ?? createMemoryStorage({ clock: systemClock });
    const sef: ServerSef = createSef({
      ...deps,
      storage,
      cloud,
      config,
      riskHeuristic,
      ...(settings.SEF_RISK_MODEL_URL !== undefined ? { riskModel: createHttpRiskModel({ url: settings.SEF_RISK_MODEL_URL }) } : {}),
      clock: systemClock,
      instanceId,
      reclaimAfter: settings.SEF_RECLAIM_AFTER_MS,
      sweepInterval: settings.SEF_SWEEP_INTERVAL_MS,
      drainBatch: settings.SEF_DRAIN_BATCH,
      storeConcurrency: settings.SEF_STORE_CONCURRENCY,
      leaseTtlMs: settings.SEF_LEASE_TTL_MS,
    });
    // The simulated cloud's pools must be known to the storage, whichever it is (upsert is idempotent).
    const adoptAgent = (agent: AgentRecord) => {
      if (simulated && !simulated.compute.instances().some((i) => i.instanceId === agent.primaryInstanceId)) {
        simulated.compute.addRunning({ instanceId: agent.primaryInstanceId, poolId: agent.poolId, agentId: agent.id, launchedAt: agent.primaryLaunchedAt });
      }
    };
    // Reports name a pool; the pools the fleet may use must be known to the storage (upsert is idempotent).
    if (awsPools.length > 0) await sef.storage.pools.upsert(awsPools);
    if (simulated) {
      await sef.storage.pools.upsert(simulatedPools());
      // Agents already in a durable storage keep running in the simulated cloud after a restart.
      for (const agent of await sef.storage.agents.list()) adoptAgent(agent);
    }
    sef.start();
    return {
      sef,
      config,
      buffer,
      redis,
      adoptAgent,
      backends,
      async close() {
        try {
          await sef.stop();
        } finally {
          await closeAll();
        }
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * The request pool: every statement fails after `SEF_PG_QUERY_TIMEOUT` on the client (a frozen server
 * too) and on the server (`statement_timeout`, so it stops holding locks); opening a connection or
 * waiting for a free one fails after `SEF_PG_CONNECT_TIMEOUT`. The store answers those with a retryable
 * `StorageError`, the server with 503 and `Retry-After`.
 */
export function postgresPoolOptions(settings: Pick<ServerSettings, 'DATABASE_URL' | 'SEF_PG_QUERY_TIMEOUT' | 'SEF_PG_CONNECT_TIMEOUT'>): pg.PoolConfig {
  return {
    connectionString: settings.DATABASE_URL,
    max: 10,
    query_timeout: settings.SEF_PG_QUERY_TIMEOUT,
    statement_timeout: settings.SEF_PG_QUERY_TIMEOUT,
    connectionTimeoutMillis: settings.SEF_PG_CONNECT_TIMEOUT,
  };
}

async function migrateOnce(connectionString: string, schema: { schema?: string }, log: Logger): Promise<void> {
  const pool = new pg.Pool({ connectionString, max: 1 });
  const where = schema.schema !== undefined ? `schema ${schema.schema}` : 'the default schema';
  try {
    const { applied, version } = await migrate(pool, schema);
    if (applied.length === 0) {
      log.info({ version, applied }, `migrations: ${where} is up to date (version ${version})`);
    } else {
      const names = applied.map((v) => `${v} ${migrations.find((m) => m.version === v)?.name ?? ''}`.trim());
      log.info({ version, applied }, `migrations: applied ${applied.length} to ${where} (${names.join(', ')}); now at version ${version}`);
    }
  } finally {
    await pool.end();
  }
}
