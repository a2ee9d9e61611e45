import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, gridTime, startServer, type Backend, type Harness } from './harness.js';

const pool = 'us-east-1a:c5.large';

/** Registers an agent through the API; returns its token and primary instance. */
export async function register(h: Harness, id: string, poolId = pool): Promise<{ token: string; instanceId: string }> {
  const instanceId = `i-${id}`;
  const res = await h.app.inject({ method: 'POST', url: '/api/agents', headers: bearer(h.adminToken), payload: { id, instanceId, poolId } });
  expect(res.statusCode, res.body).toBe(201);
  return { token: res.json<{ token: string }>().token, instanceId };
}

/** Every endpoint of API.md that works without the replica manager, on one backend. */
export function runEndpointSuite(backend: Backend): void {
  describe(`API endpoints (${backend})`, () => {
    let h: Harness;
    beforeEach(async () => {
      h = await startServer(backend);
    });
    afterEach(async () => {
      await h.close();
    });

    describe('POST /api/agents', () => {
      it('registers an agent and returns a token that is stored only as its hash', async () => {
        const res = await h.app.inject({ method: 'POST', url: '/api/agents', headers: bearer(h.adminToken), payload: { id: 'a1', instanceId: 'i-1', poolId: pool } });
        expect(res.statusCode).toBe(201);
        const body = res.json<{ agent: Record<string, unknown>; token: string }>();
        expect(body.agent).toMatchObject({ id: 'a1', region: 'us-east-1', pool_id: pool, primary_instance_id: 'i-1', auto_switch_enabled: false, manual_replica_enabled: false });
        const stored = await h.sef.storage.agents.get('a1');
        expect(stored?.tokenHash).toBe(createHash('sha256').update(body.token).digest('hex'));
        expect(JSON.stringify(stored)).not.toContain(body.token);
      });

      it('needs the admin token: none is 401, an agent token is 403', async () => {
        const { token } = await register(h, 'a1');
        const payload = { id: 'a2', instanceId: 'i-2', poolId: pool };
        const none = await h.app.inject({ method: 'POST', url: '/api/agents', payload });
        expect(none.statusCode).toBe(401);
        expect(none.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
        const wrong = await h.app.inject({ method: 'POST', url: '/api/agents', headers: bearer(`${h.adminToken}x`), payload });
        expect(wrong.statusCode).toBe(401);
        const agent = await h.app.inject({ method: 'POST', url: '/api/agents', headers: bearer(token), payload });
        expect(agent.statusCode).toBe(403);
      });

      it('a second registration of one id is 409', async () => {
        await register(h, 'a1');
        const res = await h.app.inject({ method: 'POST', url: '/api/agents', headers: bearer(h.adminToken), payload: { id: 'a1', instanceId: 'i-9', poolId: pool } });
        expect(res.statusCode).toBe(409);
        expect(res.json()).toMatchObject({ error: { code: 'CONFLICT' } });
      });

      it('an unknown pool is 400 naming poolId', async () => {
        const res = await h.app.inject({ method: 'POST', url: '/api/agents', headers: bearer(h.adminToken), payload: { id: 'a1', instanceId: 'i-1', poolId: 'mars-1a:c5.large' } });
        expect(res.statusCode).toBe(400);
        expect(res.json<{ error: { details: { path: string }[] } }>().error.details.map((d) => d.path)).toContain('poolId');
      });

      it('lists every problem of a bad body, unknown fields included', async () => {
        const res = await h.app.inject({ method: 'POST', url: '/api/agents', headers: bearer(h.adminToken), payload: { id: '', poolId: 7, extra: true } });
        expect(res.statusCode).toBe(400);
        const { error } = res.json<{ error: { code: string; details: { path: string; message: string }[] } }>();
        expect(error.code).toBe('VALIDATION');
        const paths = error.details.map((d) => d.path);
        expect(paths).toEqual(expect.arrayContaining(['body.id', 'body.instanceId', 'body.poolId']));
        expect(error.details.some((d) => d.message.includes('extra'))).toBe(true);
      });
    });

    it('GET /api/agents lists agents with modes and instances', async () => {
      await register(h, 'a1');
      await register(h, 'a2', 'us-west-2b:m5.large');
      const res = await h.app.inject({ method: 'GET', url: '/api/agents', headers: bearer(h.adminToken) });
      expect(res.statusCode).toBe(200);
      const { agents } = res.json<{ agents: { id: string; pool_id: string; replica_instance_id: null; manual_replica_enabled: boolean }[] }>();
      expect(agents.map((a) => a.id).sort()).toEqual(['a1', 'a2']);
      expect(agents.find((a) => a.id === 'a2')).toMatchObject({ pool_id: 'us-west-2b:m5.large', replica_instance_id: null, manual_replica_enabled: false });
    });

    describe('POST /api/agents/{id}/pricing', () => {
      it('accepts good reports (202) and lists each rejected one by index with every reason', async () => {
        const { token, instanceId } = await register(h, 'a1');
        const t = gridTime(2);
        const reports = [
          { instanceId, poolId: pool, timestamp: t, price: 0.05 },
          { instanceId, poolId: 'nowhere', timestamp: t, price: -1 },
          { instanceId: 'i-stranger', poolId: pool, timestamp: t + 300, price: 0.05 },
        ];
        const res = await h.app.inject({ method: 'POST', url: '/api/agents/a1/pricing', headers: bearer(token), payload: { reports } });
        expect(res.statusCode).toBe(202);
        const body = res.json<{ accepted: number; rejected: { index: number; errors: { code: string }[] }[] }>();
        expect(body.accepted).toBe(1);
        expect(body.rejected.map((r) => r.index)).toEqual([1, 2]);
        expect(body.rejected[0]!.errors.map((e) => e.code)).toEqual(expect.arrayContaining(['unknown_pool']));
        expect(body.rejected[0]!.errors.length).toBeGreaterThanOrEqual(2);
        expect(body.rejected[1]!.errors.map((e) => e.code)).toContain('unknown_instance');
      });

      it("an agent token reaches only its own agent's paths (403), the admin token is not an agent's (403)", async () => {
        const a = await register(h, 'a1');
        await register(h, 'a2');
        const payload = { reports: [{ instanceId: 'i-a2', poolId: pool, timestamp: gridTime(1), price: 0.05 }] };
        expect((await h.app.inject({ method: 'POST', url: '/api/agents/a2/pricing', headers: bearer(a.token), payload })).statusCode).toBe(403);
        expect((await h.app.inject({ method: 'POST', url: '/api/agents/a2/pricing', headers: bearer(h.adminToken), payload })).statusCode).toBe(403);
        expect((await h.app.inject({ method: 'POST', url: '/api/agents/a2/pricing', payload })).statusCode).toBe(401);
        const forged = `a2.${a.token.split('.').at(-1)}`;
        expect((await h.app.inject({ method: 'POST', url: '/api/agents/a2/pricing', headers: bearer(forged), payload })).statusCode).toBe(401);
      });

      it('takes 1..5000 reports: an empty batch or 5001 reports is 400', async () => {
        const { token, instanceId } = await register(h, 'a1');
        const empty = await h.app.inject({ method: 'POST', url: '/api/agents/a1/pricing', headers: bearer(token), payload: { reports: [] } });
        expect(empty.statusCode).toBe(400);
        const r = { instanceId, poolId: pool, timestamp: gridTime(1), price: 0.05 };
        const many = await h.app.inject({ method: 'POST', url: '/api/agents/a1/pricing', headers: bearer(token), payload: { reports: Array.from({ length: 5001 }, () => r) } });
        expect(many.statusCode).toBe(400);
        const max = await h.app.inject({ method: 'POST', url: '/api/agents/a1/pricing', headers: bearer(token), payload: { reports: Array.from({ length: 5000 }, () => r) } });
        expect(max.statusCode).toBe(202);
      });

      it('a body over the limit is 413, malformed JSON is 400, in the error format', async () => {
        const { token } = await register(h, 'a1');
        const big = await h.app.inject({ method: 'POST', url: '/api/agents/a1/pricing', headers: { ...bearer(token), 'content-type': 'application/json' }, payload: `{"reports":["${'x'.repeat(5 * 1024 * 1024)}"]}` });
        expect(big.statusCode).toBe(413);
        expect(big.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
        const bad = await h.app.inject({ method: 'POST', url: '/api/agents/a1/pricing', headers: { ...bearer(token), 'content-type': 'application/json' }, payload: '{"reports": [' });
        expect(bad.statusCode).toBe(400);
        expect(bad.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
      });

      it('a 20-minute gap is stored filled at 300, 600 and 900 (0.0525, 0.055, 0.0575), read back with flags', async () => {
        const { token, instanceId } = await register(h, 'a1');
        const t0 = gridTime(3);
        const reports = [
          { instanceId, poolId: pool, timestamp: t0, price: 0.05 },
          { instanceId, poolId: pool, timestamp: t0 + 1200, price: 0.06 },
        ];
        const res = await h.app.inject({ method: 'POST', url: '/api/agents/a1/pricing', headers: bearer(token), payload: { reports } });
        expect(res.json()).toMatchObject({ accepted: 2, rejected: [] });
        await h.sef.flush();
        const read = await h.app.inject({ method: 'GET', url: `/api/agents/a1/prices?pool=${pool}&from=${t0}&to=${t0 + 1200}`, headers: bearer(token) });
        expect(read.statusCode).toBe(200);
        const points = read.json<{ series: { pool_id: string; points: { timestamp: number; price: number; data_quality_flag: string }[] }[] }>().series[0]!.points;
        expect(points.map((p) => [p.timestamp - t0, p.price, p.data_quality_flag])).toEqual([
          [0, 0.05, 'single_source'],
          [300, 0.0525, 'interpolated'],
          [600, 0.055, 'interpolated'],
          [900, 0.0575, 'interpolated'],
          [1200, 0.06, 'single_source'],
        ]);
      });

      it('a resent report is accepted again and changes nothing', async () => {
        const { token, instanceId } = await register(h, 'a1');
        const t0 = gridTime(2);
        const payload = { reports: [{ instanceId, poolId: pool, timestamp: t0, price: 0.05 }, { instanceId, poolId: pool, timestamp: t0 + 300, price: 0.051 }] };
        await h.app.inject({ method: 'POST', url: '/api/agents/a1/pricing', headers: bearer(token), payload });
        await h.sef.flush();
        const url = `/api/agents/a1/prices?pool=${pool}&from=${t0}&to=${t0 + 300}`;
        const before = (await h.app.inject({ method: 'GET', url, headers: bearer(token) })).json<unknown>();
        const again = await h.app.inject({ method: 'POST', url: '/api/agents/a1/pricing', headers: bearer(token), payload });
        expect(again.json()).toMatchObject({ accepted: 2, rejected: [] });
        await h.sef.flush();
        expect((await h.app.inject({ method: 'GET', url, headers: bearer(token) })).json<unknown>()).toEqual(before);
      });
    });

    describe('GET /api/agents/{id}/sef-status and /prices', () => {
      it('answers the agent itself and the admin; another agent is 403; an unknown agent is 404', async () => {
        const a = await register(h, 'a1');
        const b = await register(h, 'a2');
        const own = await h.app.inject({ method: 'GET', url: '/api/agents/a1/sef-status', headers: bearer(a.token) });
        expect(own.statusCode).toBe(200);
        expect(own.json()).toMatchObject({
          agent_id: 'a1',
          modes: { auto_switch_enabled: false, auto_terminate_enabled: false, manual_replica_enabled: false },
          primary: { instance_id: a.instanceId, pool_id: pool },
          replica: null,
          data_quality: { single_source: 0, interpolated: 0 },
        });
        expect((await h.app.inject({ method: 'GET', url: '/api/agents/a1/sef-status', headers: bearer(h.adminToken) })).statusCode).toBe(200);
        expect((await h.app.inject({ method: 'GET', url: '/api/agents/a1/sef-status', headers: bearer(b.token) })).statusCode).toBe(403);
        const missing = await h.app.inject({ method: 'GET', url: '/api/agents/nobody/sef-status', headers: bearer(h.adminToken) });
        expect(missing.statusCode).toBe(404);
        expect(missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
        expect((await h.app.inject({ method: 'GET', url: '/api/agents/nobody/prices', headers: bearer(h.adminToken) })).statusCode).toBe(404);
      });

      it('prices rejects a bad query with 400 and unknown query fields', async () => {
        const a = await register(h, 'a1');
        const res = await h.app.inject({ method: 'GET', url: '/api/agents/a1/prices?from=yesterday&colour=red', headers: bearer(a.token) });
        expect(res.statusCode).toBe(400);
        expect(res.json<{ error: { details: unknown[] } }>().error.details.length).toBeGreaterThanOrEqual(2);
      });
    });

    describe('monitoring', () => {
      it('data-quality per day counts total, interpolated and averaged points', async () => {
        const { token, instanceId } = await register(h, 'a1');
        const t0 = gridTime(3);
        await h.app.inject({ method: 'POST', url: '/api/agents/a1/pricing', headers: bearer(token), payload: { reports: [{ instanceId, poolId: pool, timestamp: t0, price: 0.05 }, { instanceId, poolId: pool, timestamp: t0 + 1200, price: 0.06 }] } });
        await h.sef.flush();
        const res = await h.app.inject({ method: 'GET', url: '/api/metrics/data-quality?days=7', headers: bearer(h.adminToken) });
        expect(res.statusCode).toBe(200);
        const days = res.json<{ days: { date: string; total: number; interpolated: number; averaged: number; pct_interpolated: number }[] }>().days;
        // Five points, three of them interpolated, on one UTC day or split over two when t0 is late in the day.
        const expected = new Map<string, { total: number; interpolated: number }>();
        [0, 300, 600, 900, 1200].forEach((dt, i) => {
          const date = new Date((t0 + dt) * 1000).toISOString().slice(0, 10);
          const d = expected.get(date) ?? { total: 0, interpolated: 0 };
          expected.set(date, { total: d.total + 1, interpolated: d.interpolated + (i > 0 && i < 4 ? 1 : 0) });
        });
        expect(days).toEqual(
          [...expected]
            .sort(([a], [b]) => b.localeCompare(a))
            .map(([date, d]) => ({ date, total: d.total, interpolated: d.interpolated, averaged: 0, pct_interpolated: Math.round((10_000 * d.interpolated) / d.total) / 100 })),
        );
      });

      it('replicas, failovers and alerts answer the admin in the documented shape, and nobody else', async () => {
        const { token } = await register(h, 'a1');
        const replicas = await h.app.inject({ method: 'GET', url: '/api/metrics/replicas?days=7', headers: bearer(h.adminToken) });
        expect(replicas.statusCode).toBe(200);
        expect(replicas.json()).toEqual({ replicas: expect.any(Array) });
        const failovers = await h.app.inject({ method: 'GET', url: '/api/metrics/failovers?days=30', headers: bearer(h.adminToken) });
        const none = { avg_response_sec: null, fastest_sec: null, slowest_sec: null, successful: 0, total_events: 0 };
        expect(failovers.json()).toEqual({ termination_notices: none, all_events: none });
        const alerts = await h.app.inject({ method: 'GET', url: '/api/alerts', headers: bearer(h.adminToken) });
        expect(alerts.json()).toEqual({ alerts: [] });
        expect((await h.app.inject({ method: 'GET', url: '/api/alerts', headers: bearer(token) })).statusCode).toBe(403);
        expect((await h.app.inject({ method: 'GET', url: '/api/metrics/replicas?days=0', headers: bearer(h.adminToken) })).statusCode).toBe(400);
      });

      it('an unfillable gap raises an active alert and is logged with the SEF: prefix', async () => {
        const { token, instanceId } = await register(h, 'a1');
        const t0 = gridTime(5);
        await h.app.inject({ method: 'POST', url: '/api/agents/a1/pricing', headers: bearer(token), payload: { reports: [{ instanceId, poolId: pool, timestamp: t0, price: 0.05 }, { instanceId, poolId: pool, timestamp: t0 + 3600, price: 0.06 }] } });
        await h.sef.flush();
        const alerts = (await h.app.inject({ method: 'GET', url: '/api/alerts', headers: bearer(h.adminToken) })).json<{ alerts: { kind: string; agent_id: string }[] }>().alerts;
        expect(alerts).toEqual([expect.objectContaining({ kind: 'unfillable_gap' })]);
        const messages = h.logs.map((l) => String(l['msg']));
        expect(messages.some((m) => m.startsWith('SEF: gap of 3600s left open'))).toBe(true);
        expect(messages.some((m) => m.startsWith('SEF: ALERT unfillable_gap'))).toBe(true);
      });

      it('alerts recorded by another SEF instance in the shared event store are listed too', async () => {
        await register(h, 'a1');
        await h.sef.storage.events.appendSystemEvent({ eventType: 'alert.failed_failover', agentId: 'a1', createdAt: Date.now(), payload: { message: 'Failover of a1 failed', signalId: 's1' } });
        const alerts = (await h.app.inject({ method: 'GET', url: '/api/alerts', headers: bearer(h.adminToken) })).json<{ alerts: unknown[] }>().alerts;
        expect(alerts).toEqual([expect.objectContaining({ kind: 'failed_failover', agent_id: 'a1', message: 'Failover of a1 failed', details: { signalId: 's1' } })]);
      });

      it('/metrics exposes reports by flag, rejections by reason, gaps, replica ready time, failover durations and alerts', async () => {
        const { token, instanceId } = await register(h, 'a1');
        const t0 = gridTime(3);
        await h.app.inject({ method: 'POST', url: '/api/agents/a1/pricing', headers: bearer(token), payload: { reports: [{ instanceId, poolId: pool, timestamp: t0, price: 0.05 }, { instanceId, poolId: pool, timestamp: t0 + 1200, price: 0.06 }, { instanceId, poolId: 'nowhere', timestamp: t0, price: 0.05 }] } });
        await h.sef.flush();
        const res = await h.app.inject({ method: 'GET', url: '/metrics' });
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toContain('text/plain');
        const text = res.body;
        expect(text).toContain('sef_points_by_quality_flag{flag="interpolated"} 3');
        expect(text).toContain('sef_points_by_quality_flag{flag="single_source"} 2');
        expect(text).toContain('sef_reports_rejected_total{reason="unknown_pool"} 1');
        expect(text).toContain('sef_reports_accepted_total{role="primary"} 2');
        expect(text).toContain('sef_gap_events_total{kind="filled"} 1');
        for (const name of ['sef_replica_ready_seconds', 'sef_failover_duration_seconds', 'sef_active_alerts']) expect(text).toContain(`# TYPE ${name}`);
      });

      it('healthz and readyz answer 200 when storage and buffer are up', async () => {
        expect((await h.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
        const ready = await h.app.inject({ method: 'GET', url: '/readyz' });
        expect(ready.statusCode).toBe(200);
        expect(ready.json()).toEqual({ status: 'ready', checks: { storage: true, buffer: true } });
      });

      it('an unknown route is 404 in the error format', async () => {
        const res = await h.app.inject({ method: 'GET', url: '/api/nothing' });
        expect(res.statusCode).toBe(404);
        expect(res.json()).toMatchObject({ error: { code: 'NOT_FOUND', details: [] } });
      });
    });
  });
}
