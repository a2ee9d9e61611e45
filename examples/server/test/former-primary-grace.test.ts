import { afterEach, describe, expect, it } from 'vitest';
import { register } from './support/endpoint-suite.js';
import { bearer, skipped, startServer, type Backend, type Harness } from './support/harness.js';

const pool = 'us-east-1a:c5.large';

interface Pricing {
  accepted: number;
  rejected: { index: number; errors: { code: string; message: string }[] }[];
}

/** Sends a termination notice for the agent's primary and waits (polling its record) until the failover has ended. */
async function failover(h: Harness, token: string, instanceId: string, noticeTime: number): Promise<void> {
  const ack = await h.app.inject({ method: 'POST', url: '/api/agents/a1/interruption', headers: bearer(token), payload: { signal_type: 'termination-notice', instanceId, notice_time: noticeTime } });
  expect(ack.statusCode, ack.body).toBe(202);
  const id = ack.json<{ notice_id: string }>().notice_id;
  const until = Date.now() + 15_000;
  for (;;) {
    const view = (await h.app.inject({ method: 'GET', url: `/api/agents/a1/notices/${encodeURIComponent(id)}`, headers: bearer(token) })).json<{ status: string }>();
    if (view.status !== 'open') return void expect(view.status).toBe('succeeded');
    if (Date.now() > until) throw new Error(`notice ${id} still open`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const backends: Backend[] = skipped('postgres') || skipped('redis') ? ['embedded'] : ['embedded', 'postgres+redis'];

describe.each(backends)("the former primary's reports after a failover, over HTTP (%s)", (backend) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('observed before its termination: accepted and stored in its series; observed after the termination time: rejected with the reason', async () => {
    h = await startServer(backend);
    const { token, instanceId } = await register(h, 'a1');
    const noticeTime = Math.floor(Date.now() / 1000);
    await failover(h, token, instanceId, noticeTime);
    const before = noticeTime - 60;
    const after = noticeTime + 200; // the deadline (action time) is notice time + 120 s
    const res = await h.app.inject({
      method: 'POST', url: '/api/agents/a1/pricing', headers: bearer(token),
      payload: { reports: [{ instanceId, poolId: pool, timestamp: before, price: 0.05 }, { instanceId, poolId: pool, timestamp: after, price: 0.05 }] },
    });
    expect(res.statusCode, res.body).toBe(202);
    const body = res.json<Pricing>();
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((r) => [r.index, r.errors.map((e) => e.code)])).toEqual([[1, ['observed_after_termination']]]);
    await h.sef.flush();
    const read = await h.app.inject({ method: 'GET', url: `/api/agents/a1/prices?pool=${pool}&from=${before}&to=${before}`, headers: bearer(token) });
    const series = read.json<{ series: { pool_id: string; points: { timestamp: number; price: number; data_quality_flag: string }[] }[] }>().series;
    expect(series.map((s) => [s.pool_id, s.points.map((p) => [p.timestamp, p.price, p.data_quality_flag])])).toEqual([[pool, [[before, 0.05, 'single_source']]]]);
  });

  it('after the grace period (SEF_FORMER_PRIMARY_GRACE=0: at once) they are rejected as former_primary_grace_expired', async () => {
    h = await startServer(backend, { env: { SEF_FORMER_PRIMARY_GRACE: '0' } });
    const { token, instanceId } = await register(h, 'a1');
    const noticeTime = Math.floor(Date.now() / 1000);
    await failover(h, token, instanceId, noticeTime);
    const res = await h.app.inject({ method: 'POST', url: '/api/agents/a1/pricing', headers: bearer(token), payload: { reports: [{ instanceId, poolId: pool, timestamp: noticeTime - 60, price: 0.05 }] } });
    expect(res.json<Pricing>().rejected.map((r) => r.errors.map((e) => e.code))).toEqual([['former_primary_grace_expired']]);
  });
});
