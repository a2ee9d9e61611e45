import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register } from './support/endpoint-suite.js';
import { bearer, gridTime, skipped, startServer, type Harness } from './support/harness.js';

const pool = 'us-east-1a:c5.large';

/** A number JSON can carry but JavaScript cannot hold as written (`1e400` parses to Infinity), or an absurd one. */
const hostileNumber = fc.oneof(
  fc.constantFrom('1e400', '-1e400', '1e13', '1e20', '1e308', '-1', '-0', '0', '4.9e-324', '9007199254740993', '253402300800'),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.integer().map(String),
);
/** Text that drivers choke on: NUL and other control characters, lone surrogates, long and odd strings. */
const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\u001f', '\u007f', '\u0085', '\uD800', 'x\uDFFFy', "'; DROP TABLE agents; --", '%00', '../..', ' ', ''),
  fc.nat({ max: 3000 }).map((n) => 'x'.repeat(n)),
  { weight: 3, arbitrary: fc.tuple(fc.string({ maxLength: 10 }), fc.integer({ min: 0, max: 0x9f })).map(([s, c]) => `${s}${String.fromCharCode(c)}${s}`) },
  // NUL is the one Postgres refuses in text: often, so that a lost check is found in one run.
  { weight: 3, arbitrary: fc.string({ maxLength: 10 }).map((s) => `${s}\u0000${s}`) },
);

/** A JSON value with holes for numbers written as raw text (`1e400`), so the body carries them verbatim. */
type Raw = { readonly raw: string };
const rawNumber = hostileNumber.map((raw): Raw => ({ raw }));
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(rawNumber, hostileString, fc.boolean(), fc.constant(null), fc.array(hostileString, { maxLength: 3 }), fc.dictionary(hostileString, hostileString, { maxKeys: 3 }));

function toJson(value: unknown): string {
  const holes: string[] = [];
  const text = JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'object' && v !== null && 'raw' in v && Object.keys(v).length === 1) {
      holes.push((v as Raw).raw);
      return `\u0001HOLE${holes.length - 1}\u0001`;
    }
    return v;
  });
  return (text ?? 'null').replace(/"\\u0001HOLE(\d+)\\u0001"/g, (_m, i: string) => holes[Number(i)]!);
}

/** An object with the route's own fields (each maybe left out), every value hostile or sometimes valid. */
const fieldsOf = (valid: Record<string, fc.Arbitrary<unknown>>) =>
  fc.record(Object.fromEntries(Object.entries(valid).map(([k, v]) => [k, fc.oneof({ weight: 1, arbitrary: v }, { weight: 2, arbitrary: hostileValue })])), { requiredKeys: [] });

const goodReport = (instanceId: string) => fc.record({ instanceId: fc.constant(instanceId), poolId: fc.constant(pool), timestamp: fc.constant(gridTime(1)), price: fc.constant(0.05) });

interface Route {
  readonly method: 'GET' | 'POST';
  /** `:id` is replaced by the fuzzed agent id. */
  readonly path: string;
  readonly who: 'admin' | 'agent';
  readonly body?: fc.Arbitrary<unknown>;
  readonly query?: readonly string[];
}

const routes = (instanceId: string): readonly Route[] => [
  { method: 'POST', path: '/api/agents', who: 'admin', body: fieldsOf({ id: fc.constant('fz'), instanceId: fc.constant('i-fz'), poolId: fc.constant(pool), region: fc.constant('us-east-1') }) },
  { method: 'GET', path: '/api/agents', who: 'admin' },
  {
    method: 'POST',
    path: '/api/agents/:id/pricing',
    who: 'agent',
    body: fc.oneof(
      fc.record({ reports: fc.array(fc.oneof(goodReport(instanceId), fieldsOf({ instanceId: fc.constant(instanceId), poolId: fc.constant(pool), timestamp: fc.constant(gridTime(1)), price: fc.constant(0.05) })), { minLength: 1, maxLength: 8 }) }),
      fieldsOf({ reports: fc.constant([]) }),
    ),
  },
  { method: 'POST', path: '/api/agents/:id/heartbeat', who: 'agent', body: fieldsOf({ instanceId: fc.constant(instanceId), state: fc.constantFrom('syncing', 'ready') }) },
  { method: 'POST', path: '/api/agents/:id/interruption', who: 'agent', body: fieldsOf({ signal_type: fc.constant('rebalance-recommendation'), instanceId: fc.constant(instanceId), notice_time: rawNumber, action_time: rawNumber }) },
  ...['manual-replica/enable', 'manual-replica/disable', 'manual-switch', 'auto-switch/enable', 'auto-switch/disable', 'auto-terminate/enable', 'auto-terminate/disable'].map(
    (p): Route => ({ method: 'POST', path: `/api/agents/:id/${p}`, who: 'admin', body: fc.oneof(fc.constant({}), hostileValue) }),
  ),
  { method: 'GET', path: '/api/agents/:id/sef-status', who: 'agent' },
  { method: 'GET', path: '/api/agents/:id/prices', who: 'agent', query: ['pool', 'from', 'to'] },
  { method: 'GET', path: '/api/metrics/data-quality', who: 'admin', query: ['days'] },
  { method: 'GET', path: '/api/metrics/replicas', who: 'admin', query: ['days'] },
  { method: 'GET', path: '/api/metrics/failovers', who: 'admin', query: ['days'] },
  { method: 'GET', path: '/api/alerts', who: 'admin' },
];

const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/xml', '') },
);
/** A body as sent: the route's fields as JSON, or malformed JSON. */
const payloadFor = (route: Route) =>
  fc.oneof(
    { weight: 5, arbitrary: (route.body ?? hostileValue).map(toJson) },
    { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('{"reports":[', '{', '[1,2', '{"a":1}}', 'nul', '\u0000', '{"reports":[{"price":1e400}]}')) },
  );
/** Every byte of the UTF-8 form percent-encoded (a lone surrogate goes as U+FFFD, as a client would send it). */
const percentEncoded = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
const agentPath = fc.oneof({ weight: 4, arbitrary: fc.constant('a1') }, { weight: 1, arbitrary: hostileString.filter((s) => s.length > 0 && s.length < 700).map(percentEncoded) });
const queryFor = (route: Route) =>
  fc.dictionary(fc.oneof(fc.constantFrom(...(route.query ?? ['x'])), fc.string({ maxLength: 6 })), fc.oneof(hostileNumber, hostileString.map((s) => s.slice(0, 200))), { maxKeys: 3 });

// On Postgres + Redis: that is where driver errors used to leak as 5xx.
describe.skipIf(skipped('postgres') || skipped('redis'))('route fuzzer: no bad input gets a 5xx (Postgres + Redis)', () => {
  let h: Harness;
  let agent: { token: string; instanceId: string };
  const counts = { requests: 0, fiveHundreds: 0, byStatus: new Map<number, number>() };
  beforeAll(async () => {
    h = await startServer('postgres+redis', { rateLimit: false });
    agent = await register(h, 'a1');
  }, 60_000);
  afterAll(async () => {
    console.info(`route fuzzer: ${counts.requests} requests, ${counts.fiveHundreds} answered 5xx; by status ${JSON.stringify(Object.fromEntries([...counts.byStatus].sort()))}`);
    await h?.close();
  });

  it('every route of API.md is fuzzed', () => {
    for (const route of routes('i-a1')) expect(h.app.hasRoute({ method: route.method, url: route.path }), route.path).toBe(true);
  });

  it('wrong types, huge and non-finite numbers, control characters, long strings, wrong content types and malformed JSON on every route answer 2xx or 4xx in the error format', async () => {
    const all = routes(agent.instanceId);
    // The routes that reach the stores with what the client sent are fuzzed more often.
    const heavy = new Set(['/api/agents/:id/pricing', '/api/agents/:id/prices', '/api/agents/:id/interruption']);
    const pick = fc.oneof(...all.map((route) => ({ weight: heavy.has(route.path) || (route.method === 'POST' && route.path === '/api/agents') ? 4 : 1, arbitrary: fc.constant(route) })));
    const request = pick.chain((route) => fc.record({ route: fc.constant(route), id: agentPath, type: contentType, payload: payloadFor(route), query: queryFor(route) }));
    await fc.assert(
      fc.asyncProperty(request, async ({ route, id, type, payload, query }) => {
        const token = route.who === 'admin' ? h.adminToken : agent.token;
        const headers: Record<string, string> = { ...bearer(token) };
        if (route.method === 'POST' && type !== '') headers['content-type'] = type;
        const res = await h.app.inject({
          method: route.method,
          url: route.path.replace(':id', id),
          query,
          headers,
          ...(route.method === 'POST' ? { payload } : {}),
        });
        counts.requests++;
        counts.byStatus.set(res.statusCode, (counts.byStatus.get(res.statusCode) ?? 0) + 1);
        if (res.statusCode >= 500) counts.fiveHundreds++;
        expect(res.statusCode, `${route.method} ${route.path} ${res.body}`).toBeLessThan(500);
        if (res.statusCode >= 400) expect(res.json()).toMatchObject({ error: { code: expect.any(String), message: expect.any(String), details: expect.any(Array) } });
      }),
      { numRuns: 1200 },
    );
  }, 120_000);
});
