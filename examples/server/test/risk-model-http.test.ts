import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RiskScore } from '@sef/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register } from './support/endpoint-suite.js';
import { bearer, startServer, type Harness } from './support/harness.js';

// A local model server that answers by path: once well, and in every way a model can fail.
const behaviours: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  ok: (_req, res) => json(res, 200, '{"score":0.93}'),
  'status-500': (_req, res) => json(res, 500, '{"score":0.93}'),
  hang: () => undefined, // never answers
  'slow-headers': (_req, res) => void setTimeout(() => json(res, 200, '{"score":0.93}'), 3_000).unref(),
  'slow-body': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"score":');
    setTimeout(() => res.end('0.93}'), 3_000).unref();
  },
  'not-json': (_req, res) => json(res, 200, '<html>model down</html>'),
  'no-score': (_req, res) => json(res, 200, '{"risk":0.93}'),
  'score-string': (_req, res) => json(res, 200, '{"score":"0.93"}'),
  'score-null': (_req, res) => json(res, 200, '{"score":null}'), // what JSON.stringify makes of NaN
  'score-above-1': (_req, res) => json(res, 200, '{"score":1.5}'),
  'score-negative': (_req, res) => json(res, 200, '{"score":-0.2}'),
  // A valid score padded to 4 MB: over the limit, so refused unread.
  'huge-body': (_req, res) => json(res, 200, `{"score":0.93,"pad":"${'x'.repeat(4 * 1024 * 1024)}"}`),
  'huge-chunked': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"score":0.93,"pad":"');
    const chunk = 'x'.repeat(64 * 1024);
    const more = () => {
      if (res.destroyed) return;
      if (res.write(chunk)) setImmediate(more);
      else res.once('drain', more);
    };
    more();
  },
};
function json(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const received: { path: string; body: unknown }[] = [];
let model: Server;
let base: string;
let closedPort: number;

beforeAll(async () => {
  model = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const path = (req.url ?? '').slice(1);
      received.push({ path, body: JSON.parse(body) as unknown });
      (behaviours[path] ?? ((_q, r) => json(r, 404, '{}')))(req, res);
    });
  });
  model.listen(0, '127.0.0.1');
  await once(model, 'listening');
  base = `http://127.0.0.1:${(model.address() as AddressInfo).port}`;
  // A port nobody listens on: connection refused.
  const gone = createServer().listen(0, '127.0.0.1');
  await once(gone, 'listening');
  closedPort = (gone.address() as AddressInfo).port;
  await new Promise((r) => gone.close(r));
});
afterAll(async () => {
  model.closeAllConnections();
  await new Promise((r) => model.close(r));
});

interface Scored {
  readonly scored: RiskScore;
  readonly fallback: { reason: string } | undefined;
  readonly h: Harness;
  readonly notice: { status: string; outcome: string | null; steps: { name: string; detail?: string }[] };
}

/** A server with `SEF_RISK_MODEL_URL=url` (0.5 s deadline); an agent's rebalance recommendation makes SEF score its risk. */
async function scoreThrough(url: string, run: (s: Scored) => Promise<void> | void): Promise<void> {
  const h = await startServer('embedded', { env: { SEF_RISK_MODEL_URL: url, SEF_RISK_MODEL_TIMEOUT: '0.5' } });
  try {
    const { token, instanceId } = await register(h, 'a1');
    let fallback: { reason: string } | undefined;
    h.sef.on('risk.model_fallback', (e) => (fallback = e));
    const scored = new Promise<RiskScore>((resolve) => h.sef.on('risk.scored', resolve));
    const res = await h.app.inject({ method: 'POST', url: '/api/agents/a1/interruption', headers: bearer(token), payload: { signal_type: 'rebalance-recommendation', instanceId } });
    expect(res.statusCode, res.body).toBe(202);
    const score = await scored;
    const id = res.json<{ notice_id: string }>().notice_id;
    let notice: Scored['notice'];
    for (;;) {
      const view = await h.app.inject({ method: 'GET', url: `/api/agents/a1/notices/${encodeURIComponent(id)}`, headers: bearer(h.adminToken) });
      notice = view.json<Scored['notice']>();
      if (notice.status !== 'open') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await run({ scored: score, fallback, h, notice });
  } finally {
    await h.close();
  }
}

describe('an HTTP risk model (SEF_RISK_MODEL_URL)', () => {
  it('a model that answers is used: its score is in the event, the notice, the status and the decision log; it got the documented JSON', async () => {
    await scoreThrough(`${base}/ok`, async ({ scored, fallback, h, notice }) => {
      const source = `http ${base.slice('http://'.length)}/ok`;
      expect(scored).toMatchObject({ agentId: 'a1', score: 0.93, source });
      expect(fallback).toBeUndefined();
      // 0.93 is above the 0.3 threshold (the heuristic gives a fresh instance far less): auto-switch is off, so monitor.
      expect(notice.outcome).toBe('monitor_auto_off');
      expect(notice.steps.find((s) => s.name === 'score_risk')?.detail).toMatch(new RegExp(`^0\\.930 by ${source}`));
      const status = await h.app.inject({ method: 'GET', url: '/api/agents/a1/sef-status', headers: bearer(h.adminToken) });
      expect(status.json<{ risk: unknown }>().risk).toMatchObject({ score: 0.93, source });
      expect(h.logs.some((l) => l['msg'] === `SEF: risk 0.930 for agent a1 (${source})`)).toBe(true);
      const sent = received.filter((r) => r.path === 'ok').at(-1)?.body as Record<string, unknown>;
      expect(sent).toEqual({
        agent_id: 'a1',
        pool_id: 'us-east-1a:c5.large',
        instance_id: 'i-a1',
        now: expect.any(Number),
        factors: { interruption_history: expect.any(Number), instance_age: expect.any(Number), price_volatility: expect.any(Number) },
      });
      expect(Math.abs((sent['now'] as number) - Date.now() / 1000)).toBeLessThan(60);
    });
  });

  const failures: [string, RegExp][] = [
    ['status-500', /HTTP 500/],
    ['hang', /timed out after 0.5 s/],
    ['slow-headers', /timed out after 0.5 s/],
    ['slow-body', /timed out after 0.5 s/],
    ['not-json', /not JSON/],
    ['no-score', /no numeric "score"/],
    ['score-string', /no numeric "score"/],
    ['score-null', /no numeric "score"/],
    ['score-above-1', /invalid answer: 1.5/],
    ['score-negative', /invalid answer: -0.2/],
    ['huge-body', /over 65536/],
    ['huge-chunked', /over 65536 bytes/],
  ];
  it.each(failures)('a model that fails (%s) is replaced by the heuristic, with the reason', async (path, reason) => {
    await scoreThrough(`${base}/${path}`, ({ scored, fallback, h, notice }) => {
      expect(scored.source).toBe('heuristic');
      expect(scored.score).toBeGreaterThanOrEqual(0);
      expect(scored.score).toBeLessThan(0.3);
      expect(fallback?.reason).toMatch(reason);
      expect(notice.outcome).toBe('monitor');
      expect(h.logs.some((l) => typeof l['msg'] === 'string' && l['msg'].startsWith(`SEF: risk model http 127.0.0.1:`) && reason.test(l['msg']))).toBe(true);
    });
  });

  it('a model nobody listens on (connection refused) is replaced by the heuristic', async () => {
    await scoreThrough(`http://127.0.0.1:${closedPort}/score`, ({ scored, fallback }) => {
      expect(scored.source).toBe('heuristic');
      expect(fallback?.reason).toMatch(/threw: fetch failed/);
    });
  });
});
