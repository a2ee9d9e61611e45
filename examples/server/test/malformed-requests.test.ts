import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register } from './support/endpoint-suite.js';
import { bearer, startServer, type Harness } from './support/harness.js';

let h: Harness;
let agentToken: string;
beforeAll(async () => {
  h = await startServer('embedded', { rateLimit: false, bodyLimit: 64 * 1024 });
  agentToken = (await register(h, 'a1')).token;
});
afterAll(async () => {
  await h.close();
});

const routes: readonly { method: 'POST' | 'GET'; url: string; who: 'admin' | 'agent' }[] = [
  { method: 'POST', url: '/api/agents', who: 'admin' },
  { method: 'POST', url: '/api/agents/a1/pricing', who: 'agent' },
  { method: 'POST', url: '/api/agents/a1/heartbeat', who: 'agent' },
  { method: 'POST', url: '/api/agents/a1/interruption', who: 'agent' },
  { method: 'POST', url: '/api/agents/a1/auto-switch/enable', who: 'admin' },
  { method: 'POST', url: '/api/agents/a1/manual-replica/enable', who: 'admin' },
  { method: 'POST', url: '/api/agents/a1/manual-switch', who: 'admin' },
];

const body = fc.oneof(
  fc.jsonValue().map((v) => ({ payload: JSON.stringify(v) ?? 'null', type: 'application/json' })),
  fc.string({ maxLength: 200 }).map((s) => ({ payload: s, type: 'application/json' })),
  fc.record({ reports: fc.array(fc.anything({ withNullPrototype: true }).map((v) => { try { return JSON.parse(JSON.stringify(v) ?? 'null') as unknown; } catch { return null; } }), { maxLength: 5 }) }).map((v) => ({ payload: JSON.stringify(v), type: 'application/json' })),
  fc.constantFrom('{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"x":1}}}', '{"reports":[{"__proto__":{"admin":true}}]}').map((payload) => ({ payload, type: 'application/json' })),
  fc.string({ maxLength: 100 }).map((s) => ({ payload: s, type: 'text/plain' })),
);

const path = fc.oneof(fc.constant('a1'), fc.string({ minLength: 1, maxLength: 300 }).map(encodeURIComponent));
const query = fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), { maxKeys: 4 });

function expectErrorFormat(status: number, json: unknown): void {
  expect(status).toBeLessThan(500);
  if (status >= 400) {
    expect(json).toMatchObject({ error: { code: expect.any(String), message: expect.any(String), details: expect.any(Array) } });
  }
}

describe('no malformed request gets a 500', () => {
  it('arbitrary bodies and content types on every POST route answer 2xx or 4xx in the error format', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), body, async (route, b) => {
        const token = route.who === 'admin' ? h.adminToken : agentToken;
        const res = await h.app.inject({ method: route.method, url: route.url, headers: { ...bearer(token), 'content-type': b.type }, payload: b.payload });
        expectErrorFormat(res.statusCode, String(res.headers['content-type'] ?? '').includes('json') ? res.json() : {});
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary agent ids and query strings on the GET routes answer 2xx or 4xx in the error format', async () => {
    await fc.assert(
      fc.asyncProperty(path, query, fc.constantFrom('sef-status', 'prices'), async (id, q, what) => {
        const res = await h.app.inject({ method: 'GET', url: `/api/agents/${id}/${what}`, query: q, headers: bearer(h.adminToken) });
        expectErrorFormat(res.statusCode, res.json());
      }),
      { numRuns: 200 },
    );
  });

  it('arbitrary authorization headers are 401 or 403, never more', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (header) => {
        const res = await h.app.inject({ method: 'GET', url: '/api/agents', headers: { authorization: header } });
        expect([401, 403]).toContain(res.statusCode);
        expectErrorFormat(res.statusCode, res.json());
      }),
      { numRuns: 200 },
    );
  });
});
