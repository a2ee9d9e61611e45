import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { buildServer, type AgentRateLimit } from '../../src/build-server.js';
import { composeFromEnv, type Composition } from '../../src/compose/compose.js';
import { settingsFromEnv } from '../../src/compose/settings.js';
import type { ServerSef } from '../../src/sef-api.js';

/** A server under test: the app (used through `inject`), its SEF, the admin token and the log lines. */
export interface Harness {
  readonly app: FastifyInstance;
  readonly sef: ServerSef;
  readonly adminToken: string;
  /** Every log line written so far, parsed. */
  readonly logs: Record<string, unknown>[];
  /** The schema / key prefix of this server's real backends. */
  readonly backendId: string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly rateLimit?: AgentRateLimit | false;
  readonly bodyLimit?: number;
  readonly env?: Readonly<Record<string, string>>;
  /** Servers of the test's own (fault tests) instead of the shared ones. */
  readonly postgresUrl?: string;
  readonly redisUrl?: string;
  /** Share the Postgres schema and Redis prefix of another server (scale-out tests); the first one drops them. */
  readonly shareBackendsOf?: Harness;
}

export type Backend = 'embedded' | 'postgres+redis';

export const postgresUrl = process.env['SEF_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const redisUrl = process.env['SEF_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
export const skipped = (service: string): boolean => (process.env['SEF_TEST_SKIP'] ?? '').split(',').includes(service);

/**
 * Starts the server on the given backends through the same composition as `main.ts`. The real backends
 * get their own Postgres schema and Redis key prefix `test-<uuid>`, removed on close.
 */
export async function startServer(backend: Backend, options: HarnessOptions = {}): Promise<Harness> {
  const id = options.shareBackendsOf?.backendId ?? `test-${randomUUID()}`;
  // Private servers are thrown away whole by their test; only the shared ones need cleaning.
  const owner = options.shareBackendsOf === undefined && options.postgresUrl === undefined && options.redisUrl === undefined;
  const env: Record<string, string> = { LOG_LEVEL: 'debug', SEF_SIMULATE: 'cloud', SEF_SIM_LATENCY: 'zero', ...options.env };
  if (backend === 'postgres+redis') {
    Object.assign(env, { DATABASE_URL: options.postgresUrl ?? postgresUrl, SEF_PG_SCHEMA: id.replaceAll('-', '_'), REDIS_URL: options.redisUrl ?? redisUrl, SEF_REDIS_PREFIX: `${id}:` });
  }
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const log = pino({ level: 'debug' }, sink);
  const settings = settingsFromEnv(env);
  const composition: Composition = await composeFromEnv(settings, env, log);
  const adminToken = options.shareBackendsOf?.adminToken ?? `admin-${randomUUID()}`;
  const rateLimit = options.rateLimit === false ? false : { ...options.rateLimit, ...(composition.redis !== undefined ? { redis: composition.redis, nameSpace: `${id}:rl:` } : {}) };
  const app = await buildServer({
    sef: composition.sef,
    adminToken,
    logger: log,
    rateLimit,
    ...(options.bodyLimit !== undefined ? { bodyLimit: options.bodyLimit } : {}),
    ...(composition.buffer ? { buffer: composition.buffer } : {}),
    onAgentRegistered: composition.adoptAgent,
  });
  await app.ready();
  return {
    app,
    sef: composition.sef,
    adminToken,
    logs,
    backendId: id,
    async close() {
      await app.close();
      // Notices are answered in the background: let them end before their schema and keys go.
      await composition.sef.stop();
      if (backend === 'postgres+redis' && owner) await dropBackends(id, composition.redis!);
      await composition.close();
    },
  };
}

/** Removes a test's Postgres schema and Redis keys (`<id>:*`) from the shared servers. */
export async function dropBackends(id: string, redis: Pick<Redis, 'scan' | 'del'>, postgres = postgresUrl): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${id}:*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: postgres });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${id.replaceAll('-', '_')}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** Admin or agent `authorization` header. */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The grid time (unix seconds, multiple of 300) `hoursAgo` hours before now. */
export const gridTime = (hoursAgo: number): number => Math.floor(Date.now() / 1000 / 300) * 300 - hoursAgo * 3600;
