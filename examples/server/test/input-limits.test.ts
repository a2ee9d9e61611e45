import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register } from './support/endpoint-suite.js';
import { bearer, gridTime, skipped, startServer, type Harness } from './support/harness.js';

const pool = 'us-east-1a:c5.large';
const codeOf = (res: { json: () => unknown }) => (res.json() as { error: { code: string } }).error.code;
const pathsOf = (res: { json: () => unknown }) => (res.json() as { error: { details: { path: string }[] } }).error.details.map((d) => d.path);

// Postgres is where these used to fail (its own message in a 503); the same checks run before any store.
describe.skipIf(skipped('postgres') || skipped('redis'))('input limits before any dependency (Postgres + Redis)', () => {
  let h: Harness;
  let a1: { token: string; instanceId: string };
  beforeAll(async () => {
    h = await startServer('postgres+redis', { rateLimit: false });
    a1 = await register(h, 'a1');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('one report with "poolId":"\\u0000" is rejected alone with its reason; the rest of the batch is accepted', async () => {
    const reports = [
      { instanceId: a1.instanceId, poolId: pool, timestamp: gridTime(2), price: 0.05 },
      { instanceId: a1.instanceId, poolId: '\u0000', timestamp: gridTime(2), price: 0.05 },
      { instanceId: `i-\u0000`, poolId: pool, timestamp: gridTime(2), price: 0.05 },
    ];
    const res = await h.app.inject({ method: 'POST', url: '/api/agents/a1/pricing', headers: bearer(a1.token), payload: { reports } });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({
      accepted: 1,
      rejected: [
        { index: 1, errors: [expect.objectContaining({ path: 'poolId', code: 'control_character' })] },
        { index: 2, errors: [expect.objectContaining({ path: 'instanceId', code: 'control_character' })] },
      ],
    });
  });

  it('a NUL byte in the pool id or the region of a registration is 400 naming each field', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/agents', headers: bearer(h.adminToken), payload: { id: 'a9', instanceId: 'i-9', poolId: `${pool}\u0000`, region: 'us-\u0000east-1' } });
    expect(res.statusCode, res.body).toBe(400);
    expect(pathsOf(res).sort()).toEqual(['body.poolId', 'body.region']);
    expect(res.body).not.toMatch(/UTF8|byte sequence|postgres/i);
  });

  it('notice_time 1e13 and action_time Infinity-like values are 400, not a store error', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/agents/a1/interruption', headers: bearer(a1.token), payload: { signal_type: 'rebalance-recommendation', notice_time: 1e13, action_time: 1e300 } });
    expect(res.statusCode, res.body).toBe(400);
    expect(pathsOf(res).sort()).toEqual(['body.action_time', 'body.notice_time']);
  });

  it('prices?to=1e20 and a NUL in ?pool= are 400', async () => {
    for (const query of ['to=1e20', 'from=1e20', `pool=${encodeURIComponent('\u0000')}`, 'to=Infinity', 'from=-1']) {
      const res = await h.app.inject({ method: 'GET', url: `/api/agents/a1/prices?${query}`, headers: bearer(a1.token) });
      expect(res.statusCode, `${query}: ${res.body}`).toBe(400);
      expect(codeOf(res)).toBe('VALIDATION');
    }
  });

  it('an agent id of 101 to 128 characters registers and every route of that agent answers (the issue saw 414)', async () => {
    for (const length of [101, 128]) {
      const id = `b${'x'.repeat(length - 1)}`;
      const agent = { instanceId: `i${'y'.repeat(127)}`, token: '' };
      const reg = await h.app.inject({ method: 'POST', url: '/api/agents', headers: bearer(h.adminToken), payload: { id, instanceId: agent.instanceId, poolId: pool } });
      expect(reg.statusCode, reg.body).toBe(201);
      agent.token = reg.json<{ token: string }>().token;
      const auth = bearer(agent.token);
      const pricing = await h.app.inject({ method: 'POST', url: `/api/agents/${id}/pricing`, headers: auth, payload: { reports: [{ instanceId: agent.instanceId, poolId: pool, timestamp: gridTime(1), price: 0.05 }] } });
      expect(pricing.statusCode, pricing.body).toBe(202);
      for (const what of ['sef-status', 'prices']) {
        const res = await h.app.inject({ method: 'GET', url: `/api/agents/${id}/${what}`, headers: auth });
        expect(res.statusCode, `${what}: ${res.body}`).toBe(200);
      }
      const toggle = await h.app.inject({ method: 'POST', url: `/api/agents/${id}/auto-switch/enable`, headers: bearer(h.adminToken) });
      expect(toggle.statusCode, toggle.body).toBe(200);
    }
  });

  it('an id of 129 characters is refused alike at registration (400) and in a path (400), naming the limit', async () => {
    const id = 'c'.repeat(129);
    const reg = await h.app.inject({ method: 'POST', url: '/api/agents', headers: bearer(h.adminToken), payload: { id, instanceId: 'i-c', poolId: pool } });
    expect(reg.statusCode).toBe(400);
    expect(pathsOf(reg)).toEqual(['body.id']);
    const path = await h.app.inject({ method: 'GET', url: `/api/agents/${id}/sef-status`, headers: bearer(h.adminToken) });
    expect(path.statusCode).toBe(400);
    expect(pathsOf(path)).toEqual(['params.id']);
  });
});

describe("the framework's own errors in the API's format", () => {
  let h: Harness;
  let a1: { token: string };
  beforeAll(async () => {
    h = await startServer('embedded', { rateLimit: false });
    a1 = await register(h, 'a1');
  });
  afterAll(async () => {
    await h?.close();
  });
  const errorShape = { error: { code: expect.any(String), message: expect.any(String), details: expect.any(Array) } };

  it('text/plain is 415, like any body that is not JSON', async () => {
    for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/xml']) {
      const res = await h.app.inject({ method: 'POST', url: '/api/agents/a1/pricing', headers: { ...bearer(a1.token), 'content-type': type }, payload: '{"reports":[]}' });
      expect(res.statusCode, type).toBe(415);
      expect(res.json()).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE', details: [] } });
    }
  });

  it('a path parameter over 512 characters is 414 URI_TOO_LONG', async () => {
    const res = await h.app.inject({ method: 'GET', url: `/api/agents/${'d'.repeat(600)}/sef-status`, headers: bearer(h.adminToken) });
    expect(res.statusCode).toBe(414);
    expect(res.json()).toMatchObject({ error: { code: 'URI_TOO_LONG', details: [] } });
  });

  it('malformed JSON is 400 in the format', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/agents/a1/pricing', headers: { ...bearer(a1.token), 'content-type': 'application/json' }, payload: '{"reports":[' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject(errorShape);
  });

  it('headers over the limit are 431 HEADERS_TOO_LARGE, and a request Node cannot parse is 400 (a real socket)', async () => {
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = h.app.server.address() as { port: number };
    const send = (headers: Record<string, string>) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/healthz', headers, timeout: 5_000 }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    const big = await send({ 'x-big': 'y'.repeat(20_000) });
    expect(big.status).toBe(431);
    expect(JSON.parse(big.body)).toMatchObject({ error: { code: 'HEADERS_TOO_LARGE', details: [] } });
  });
});
