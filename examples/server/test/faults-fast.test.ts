import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrivateRedis, type PrivateRedis } from '../../../packages/adapter-redis/test/private-redis.js';
import { register } from './support/endpoint-suite.js';
import { bearer, gridTime, skipped, startServer, type Harness } from './support/harness.js';
import { createPrivatePostgres, type PrivatePostgres } from './support/private-postgres.js';

const pool = 'us-east-1a:c5.large';
/** The request timeouts of this server (ms): every bound below is derived from them. */
const timeoutMs = 1000;

/** Polls `probe` until it holds (a condition wait, bounded), for recovery after a fault ends. */
async function eventually(probe: () => Promise<boolean>, withinMs = 15_000): Promise<void> {
  const until = Date.now() + withinMs;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`condition not reached within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Private servers that the test stops and freezes (SIGSTOP); the shared ones are never touched.
describe.skipIf(skipped('postgres') || skipped('redis'))('faults answer 503 with Retry-After, fast (private Postgres and Redis)', () => {
  let pg: PrivatePostgres;
  let redis: PrivateRedis;
  let h: Harness;
  let agent: { token: string; instanceId: string };

  beforeAll(async () => {
    [pg, redis] = await Promise.all([createPrivatePostgres(), createPrivateRedis()]);
    await Promise.all([pg.start(), redis.start()]);
    h = await startServer('postgres+redis', {
      postgresUrl: pg.url,
      redisUrl: redis.url,
      env: { SEF_PG_QUERY_TIMEOUT: String(timeoutMs), SEF_PG_CONNECT_TIMEOUT: String(timeoutMs), SEF_REDIS_COMMAND_TIMEOUT: String(timeoutMs) },
    });
    agent = await register(h, 'a1');
  }, 60_000);
  afterAll(async () => {
    pg?.signal('SIGCONT');
    redis?.signal('SIGCONT');
    await h?.close().catch(() => undefined);
    pg?.destroy();
    redis?.destroy();
  }, 30_000);

  const timed = async (run: () => Promise<{ statusCode: number; headers: Record<string, unknown>; body: string; json: () => unknown }>) => {
    const t0 = performance.now();
    const res = await run();
    return { res, ms: performance.now() - t0 };
  };
  const readyz = () => timed(() => h.app.inject({ method: 'GET', url: '/readyz' }));
  const status = () => timed(() => h.app.inject({ method: 'GET', url: '/api/agents/a1/sef-status', headers: bearer(agent.token) }));
  const prices = () => timed(() => h.app.inject({ method: 'GET', url: '/api/agents/a1/prices', headers: bearer(agent.token) }));
  const pricing = () =>
    timed(() =>
      h.app.inject({ method: 'POST', url: '/api/agents/a1/pricing', headers: bearer(agent.token), payload: { reports: [{ instanceId: agent.instanceId, poolId: pool, timestamp: gridTime(1), price: 0.05 }] } }),
    );
  const ready = async () => (await h.app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200;

  function expect503(r: { res: { statusCode: number; headers: Record<string, unknown>; body: string } }) {
    expect(r.res.statusCode, r.res.body).toBe(503);
    expect(r.res.headers['retry-after']).toBe('1');
    expect(r.res.body).not.toMatch(/timeout|ECONN|terminated|postgres|redis|stream/i);
  }

  it('all is ready before the faults', async () => {
    expect((await readyz()).res.statusCode).toBe(200);
    expect((await status()).res.statusCode).toBe(200);
  });

  it('Postgres frozen: /readyz is red within 1 s; a request is 503 with Retry-After within the query timeout; green again after it thaws', async () => {
    pg.signal('SIGSTOP');
    try {
      const probe = await readyz();
      expect(probe.res.statusCode).toBe(503);
      expect(probe.ms).toBeLessThan(1000);
      expect((probe.res.json() as { error: { details: { path: string }[] } }).error.details.map((d) => d.path)).toEqual(['storage']);
      const request = await status();
      expect503(request);
      expect(request.ms).toBeLessThan(timeoutMs + 1500);
    } finally {
      pg.signal('SIGCONT');
    }
    await eventually(ready);
    expect((await status()).res.statusCode).toBe(200);
  }, 30_000);

  it('Postgres stopped: /readyz red within 1 s, requests 503 with Retry-After at once; green after a restart', async () => {
    pg.stop();
    try {
      const probe = await readyz();
      expect(probe.res.statusCode).toBe(503);
      expect(probe.ms).toBeLessThan(1000);
      const request = await status();
      expect503(request);
      expect(request.ms).toBeLessThan(timeoutMs + 1500);
    } finally {
      await pg.start();
    }
    await eventually(ready);
    await eventually(async () => (await status()).res.statusCode === 200);
  }, 30_000);

  it('Redis frozen: /readyz red within 1 s; reports and sef-status 503 with Retry-After (not 500); reading prices (Postgres only) still answers (the rate limit counts locally)', async () => {
    redis.signal('SIGSTOP');
    try {
      const probe = await readyz();
      expect(probe.res.statusCode).toBe(503);
      expect(probe.ms).toBeLessThan(1000);
      expect((probe.res.json() as { error: { details: { path: string }[] } }).error.details.map((d) => d.path)).toEqual(['buffer']);
      // Reading prices needs Postgres only; sef-status also shows the ingest lag, kept in Redis.
      const read = await prices();
      expect(read.res.statusCode, read.res.body).toBe(200);
      expect(read.ms).toBeLessThan(timeoutMs);
      expect503(await status());
      const write = await pricing();
      expect503(write);
      expect(write.ms).toBeLessThan(timeoutMs + 1500);
    } finally {
      redis.signal('SIGCONT');
    }
    await eventually(ready);
    expect((await pricing()).res.statusCode).toBe(202);
  }, 30_000);

  it('Redis killed: every agent request answers (price reads 200, sef-status and reports 503 with Retry-After, never 500); green after a restart', async () => {
    redis.signal('SIGKILL');
    try {
      await eventually(async () => !(await ready()), 5_000);
      const probe = await readyz();
      expect(probe.res.statusCode).toBe(503);
      expect(probe.ms).toBeLessThan(1000);
      const read = await prices();
      expect(read.res.statusCode, read.res.body).toBe(200);
      expect503(await status());
      const write = await pricing();
      expect503(write);
      expect(write.ms).toBeLessThan(1000);
    } finally {
      await redis.start();
    }
    await eventually(ready);
    expect((await pricing()).res.statusCode).toBe(202);
  }, 30_000);
});
