import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { register } from './support/endpoint-suite.js';
import { bearer, gridTime, redisUrl, skipped, startServer, type Harness } from './support/harness.js';

const pool = 'us-east-1a:c5.large';
const started: Harness[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((h) => h.close()));
});

async function price(h: Harness, id: string, token: string) {
  return h.app.inject({ method: 'POST', url: `/api/agents/${id}/pricing`, headers: bearer(token), payload: { reports: [{ instanceId: `i-${id}`, poolId: pool, timestamp: gridTime(1), price: 0.05 }] } });
}

describe('per-agent rate limit', () => {
  it('the request over the limit is 429 in the error format; other agents keep their own quota', async () => {
    const h = await startServer('embedded', { rateLimit: { max: 3, timeWindowMs: 60_000 } });
    started.push(h);
    const a = await register(h, 'a1');
    const b = await register(h, 'a2');
    for (let i = 0; i < 3; i++) expect((await price(h, 'a1', a.token)).statusCode).toBe(202);
    const limited = await price(h, 'a1', a.token);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error: { code: 'RATE_LIMITED', details: [] } });
    expect(limited.headers['retry-after']).toBeDefined();
    expect((await price(h, 'a2', b.token)).statusCode).toBe(202);
  });

  it('over the limit, a body the schema refuses and a route without a body are 429 too (the count is awaited before the schema)', async () => {
    const h = await startServer('embedded', { rateLimit: { max: 1, timeWindowMs: 60_000 } });
    started.push(h);
    const a = await register(h, 'a1');
    expect((await price(h, 'a1', a.token)).statusCode).toBe(202);
    const badBody = await h.app.inject({ method: 'POST', url: '/api/agents/a1/pricing', headers: bearer(a.token), payload: { reports: 'not a list' } });
    expect(badBody.statusCode).toBe(429);
    expect(badBody.headers['retry-after']).toBeDefined();
    const read = await h.app.inject({ method: 'GET', url: '/api/agents/a1/notices', headers: bearer(a.token) });
    expect(read.statusCode).toBe(429);
    expect(read.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
  });

  it("requests without the agent's token do not use up its quota", async () => {
    const h = await startServer('embedded', { rateLimit: { max: 2, timeWindowMs: 60_000 } });
    started.push(h);
    const a = await register(h, 'a1');
    for (let i = 0; i < 5; i++) expect((await price(h, 'a1', 'a1.forged')).statusCode).toBe(401);
    expect((await price(h, 'a1', a.token)).statusCode).toBe(202);
  });

  it('while Redis does not answer, each server counts the agent alone with the same limit (fail-open), within the Redis wait', async () => {
    // An ioredis stand-in whose rate-limit script never answers (a frozen server).
    const frozen = { defineCommand() {}, sefRateWindow: () => new Promise(() => {}) };
    const h = await startServer('embedded', { rateLimit: { max: 3, timeWindowMs: 60_000, redis: frozen, redisTimeoutMs: 100 } });
    started.push(h);
    const a = await register(h, 'a1');
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      expect((await price(h, 'a1', a.token)).statusCode).toBe(202);
      expect(performance.now() - t0).toBeLessThan(2_000);
    }
    const limited = await price(h, 'a1', a.token);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    expect(h.logs.some((l) => String(l['msg']).includes('counting in this process'))).toBe(true);
  });

  describe.skipIf(skipped('redis'))('through Redis', () => {
    it("counts an agent at <nameSpace>agent:<id>, expiring with the window, and nothing else", async () => {
      const client = new Redis(redisUrl);
      const nameSpace = `test-${randomUUID()}:rl:`;
      try {
        const h = await startServer('embedded', { rateLimit: { max: 3, timeWindowMs: 60_000, redis: client, nameSpace } });
        started.push(h);
        const a = await register(h, 'a1');
        expect((await price(h, 'a1', a.token)).statusCode).toBe(202);
        expect((await price(h, 'a1', a.token)).statusCode).toBe(202);
        expect(await client.keys(`${nameSpace}*`)).toEqual([`${nameSpace}agent:a1`]);
        expect(await client.get(`${nameSpace}agent:a1`)).toBe('2');
        const ttl = await client.pttl(`${nameSpace}agent:a1`);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(60_000);
      } finally {
        const keys = await client.keys(`${nameSpace}*`);
        if (keys.length > 0) await client.del(...keys);
        await client.quit();
      }
    });

    it('two servers sharing Redis share the count of one agent', async () => {
      const client = new Redis(redisUrl);
      const nameSpace = `test-${randomUUID()}:rl:`;
      try {
        const one = await startServer('embedded', { rateLimit: { max: 3, timeWindowMs: 60_000, redis: client, nameSpace } });
        const two = await startServer('embedded', { rateLimit: { max: 3, timeWindowMs: 60_000, redis: client, nameSpace } });
        started.push(one, two);
        const t1 = await register(one, 'a1');
        const t2 = await register(two, 'a1');
        expect((await price(one, 'a1', t1.token)).statusCode).toBe(202);
        expect((await price(two, 'a1', t2.token)).statusCode).toBe(202);
        expect((await price(one, 'a1', t1.token)).statusCode).toBe(202);
        expect((await price(two, 'a1', t2.token)).statusCode).toBe(429);
      } finally {
        const keys = await client.keys(`${nameSpace}*`);
        if (keys.length > 0) await client.del(...keys);
        await client.quit();
      }
    });
  });
});
