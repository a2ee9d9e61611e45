import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { register } from './endpoint-suite.js';
import { bearer, startServer, type Backend, type Harness } from './harness.js';

interface Status {
  modes: Record<string, boolean>;
  primary: { instance_id: string };
  replica: { instance_id: string | null; status: string; replica_type: string } | null;
  failovers: { signal_type: string; success: boolean | null }[];
  manual_switches: { at: number; from: string | null; to: string | null; success: boolean; error: string | null; response_time_ms: number | null }[];
}

interface FailoverFigures {
  termination_notices: { total_events: number; successful: number };
  all_events: { total_events: number; successful: number };
}

/** Polls `sef-status` until `ok` holds (the simulated cloud launches on the real clock). */
export async function waitForStatus(h: Harness, id: string, ok: (s: Status) => boolean, timeoutMs = 15_000): Promise<Status> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = (await h.app.inject({ method: 'GET', url: `/api/agents/${id}/sef-status`, headers: bearer(h.adminToken) })).json<Status>();
    if (ok(s)) return s;
    if (Date.now() > until) throw new Error(`status of ${id} never matched: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts a manual replica and makes it ready the way the agent on it would (heartbeat `ready`). */
export async function readyReplica(h: Harness, id: string, token: string): Promise<string> {
  const on = await h.app.inject({ method: 'POST', url: `/api/agents/${id}/manual-replica/enable`, headers: bearer(h.adminToken) });
  expect(on.statusCode, on.body).toBe(200);
  // The agent on the replica reports once its instance exists (launching or syncing).
  const syncing = await waitForStatus(h, id, (s) => (s.replica?.status === 'launching' || s.replica?.status === 'syncing') && s.replica.instance_id !== null);
  const instanceId = syncing.replica!.instance_id!;
  const beat = await h.app.inject({ method: 'POST', url: `/api/agents/${id}/heartbeat`, headers: bearer(token), payload: { instanceId, state: 'ready' } });
  expect(beat.statusCode, beat.body).toBe(200);
  await waitForStatus(h, id, (s) => s.replica?.status === 'ready');
  return instanceId;
}

/** The control endpoints: mode toggles with the mutual exclusion, heartbeat, manual switch, interruption signals. */
export function runReplicaSuite(backend: Backend): void {
  describe(`modes, replicas and failover over HTTP (${backend})`, () => {
    let h: Harness;
    beforeEach(async () => {
      h = await startServer(backend);
    });
    afterEach(async () => {
      await h.close();
    });
    const post = (url: string, token: string, payload?: object) =>
      h.app.inject({ method: 'POST', url, headers: bearer(token), ...(payload ? { payload } : {}) });

    it('manual replica is refused with 409 "Auto mode active" while an auto flag is on', async () => {
      await register(h, 'a1');
      expect((await post('/api/agents/a1/auto-terminate/enable', h.adminToken)).statusCode).toBe(200);
      const refused = await post('/api/agents/a1/manual-replica/enable', h.adminToken);
      expect(refused.statusCode).toBe(409);
      expect(refused.json()).toMatchObject({ error: { code: 'CONFLICT', message: 'Auto mode active' } });
      expect((await h.sef.storage.agents.get('a1'))?.modes).toEqual({ autoSwitch: false, autoTerminate: true, manualReplica: false });
    });

    it('auto-switch and auto-terminate are refused with 409 "Manual mode active" while manual mode is on', async () => {
      await register(h, 'a1');
      expect((await post('/api/agents/a1/manual-replica/enable', h.adminToken)).statusCode).toBe(200);
      for (const path of ['auto-switch', 'auto-terminate']) {
        const refused = await post(`/api/agents/a1/${path}/enable`, h.adminToken);
        expect(refused.statusCode).toBe(409);
        expect(refused.json()).toMatchObject({ error: { message: 'Manual mode active' } });
      }
      expect((await post('/api/agents/a1/manual-replica/disable', h.adminToken)).statusCode).toBe(200);
      expect((await post('/api/agents/a1/auto-switch/enable', h.adminToken)).statusCode).toBe(200);
      expect((await post('/api/agents/a1/auto-switch/disable', h.adminToken)).json()).toMatchObject({ agent: { auto_switch_enabled: false } });
    });

    it('the mode endpoints take the admin token only', async () => {
      const { token } = await register(h, 'a1');
      expect((await post('/api/agents/a1/auto-switch/enable', token)).statusCode).toBe(403);
      expect((await h.app.inject({ method: 'POST', url: '/api/agents/a1/manual-switch' })).statusCode).toBe(401);
      expect((await post('/api/agents/nobody/auto-switch/enable', h.adminToken)).statusCode).toBe(404);
      expect((await post('/api/agents/a1/auto-switch/enable', h.adminToken, { force: true })).statusCode).toBe(400);
    });

    it('manual switch is 409 until the replica is ready, then promotes it and starts the next one', async () => {
      const { token, instanceId } = await register(h, 'a1');
      expect((await post('/api/agents/a1/manual-switch', h.adminToken)).statusCode).toBe(409);
      const replica = await readyReplica(h, 'a1', token);
      const switched = await post('/api/agents/a1/manual-switch', h.adminToken);
      expect(switched.statusCode, switched.body).toBe(200);
      const after = await waitForStatus(h, 'a1', (s) => s.primary.instance_id === replica && s.replica !== null);
      expect(after.primary.instance_id).not.toBe(instanceId);
      expect(after.replica?.replica_type).toBe('manual');
      // The switch is in the agent's history (the refused one is not), with how long it took.
      expect(after.manual_switches).toEqual([{ at: expect.any(Number), from: instanceId, to: replica, success: true, error: null, response_time_ms: expect.any(Number) }]);
      expect(after.manual_switches[0]!.response_time_ms).toBeGreaterThanOrEqual(0);
    });

    it('a termination notice with a ready replica promotes it and is counted in the failover metrics', async () => {
      const { token, instanceId } = await register(h, 'a1');
      const replica = await readyReplica(h, 'a1', token);
      const res = await post('/api/agents/a1/interruption', token, { signal_type: 'termination-notice', instanceId, notice_time: Math.floor(Date.now() / 1000) });
      expect(res.statusCode, res.body).toBe(202);
      const status = await waitForStatus(h, 'a1', (s) => s.primary.instance_id === replica && s.failovers.some((f) => f.success !== null));
      expect(status.failovers[0]).toMatchObject({ signal_type: 'termination-notice', success: true });
      const stats = (await h.app.inject({ method: 'GET', url: '/api/metrics/failovers?days=30', headers: bearer(h.adminToken) })).json<FailoverFigures>();
      expect(stats).toMatchObject({ termination_notices: { total_events: 1, successful: 1 }, all_events: { total_events: 1, successful: 1 } });
      const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toContain('sef_failover_duration_seconds_count{signal="termination-notice",success="true"} 1');
      expect(metrics).toMatch(/sef_replica_ready_seconds_count\{replica_type="manual"\} 1/);
    });

    it('a rebalance recommendation is scored and answered (the spec\'s safe test), bad signals are 400', async () => {
      await register(h, 'a1');
      const res = await post('/api/agents/a1/interruption', h.adminToken, { signal_type: 'rebalance-recommendation' });
      expect(res.statusCode, res.body).toBe(202);
      const status = await waitForStatus(h, 'a1', (s) => (s as unknown as { risk: unknown }).risk !== null);
      expect(status).toMatchObject({ risk: { score: expect.any(Number), factors: { interruptionHistory: expect.any(Number), instanceAge: expect.any(Number), priceVolatility: expect.any(Number) } } });
      // The spec's query counts it once answered; the failovers proper (termination notices) do not.
      await waitForStatus(h, 'a1', (s) => s.failovers.some((f) => f.success !== null));
      const stats = (await h.app.inject({ method: 'GET', url: '/api/metrics/failovers?days=30', headers: bearer(h.adminToken) })).json<FailoverFigures>();
      expect(stats).toMatchObject({ termination_notices: { total_events: 0 }, all_events: { total_events: 1, successful: 1 } });
      const bad = await post('/api/agents/a1/interruption', h.adminToken, { signal_type: 'meteor' });
      expect(bad.statusCode).toBe(400);
    });
  });
}
