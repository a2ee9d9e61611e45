import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { register } from './endpoint-suite.js';
import { Redis } from 'ioredis';
import { bearer, redisUrl, startServer, type Backend, type Harness } from './harness.js';
import { readyReplica, waitForStatus } from './replica-suite.js';

interface Ack {
  notice_id: string;
  duplicate: boolean;
  notice: { id: string; status: string; deadline: number; instance_id: string; instance_role: string };
}
interface NoticeView {
  id: string;
  status: 'open' | 'succeeded' | 'failed';
  outcome: string | null;
  deadline: number;
  instance_id: string;
  steps: { name: string; state: string }[];
}

/** Polls one notice until it has ended. */
async function ended(h: Harness, agent: string, id: string, timeoutMs = 15_000): Promise<NoticeView> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await h.app.inject({ method: 'GET', url: `/api/agents/${agent}/notices/${encodeURIComponent(id)}`, headers: bearer(h.adminToken) });
    expect(res.statusCode, res.body).toBe(200);
    const view = res.json<NoticeView>();
    if (view.status !== 'open') return view;
    if (Date.now() > until) throw new Error(`notice ${id} still open: ${res.body}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Issue 13: notices acknowledged at once (202), one identity per notice, progress readable per notice. */
export function runNoticeSuite(backend: Backend): void {
  describe(`interruption notices over HTTP (${backend})`, () => {
    let h: Harness;
    beforeEach(async () => {
      h = await startServer(backend);
    });
    afterEach(async () => {
      await h.close();
    });
    const notify = (agent: string, token: string, payload: object) =>
      h.app.inject({ method: 'POST', url: `/api/agents/${agent}/interruption`, headers: bearer(token), payload });

    it('a notice is answered 202 with its id and "new"; its progress and outcome are readable per notice and in the list', async () => {
      const { token, instanceId } = await register(h, 'a1');
      const noticeTime = Math.floor(Date.now() / 1000);
      const res = await notify('a1', token, { signal_type: 'termination-notice', instanceId, notice_time: noticeTime });
      expect(res.statusCode, res.body).toBe(202);
      const ack = res.json<Ack>();
      expect(ack).toMatchObject({ duplicate: false, notice: { id: ack.notice_id, instance_id: instanceId, instance_role: 'primary', deadline: noticeTime + 120 } });
      const view = await ended(h, 'a1', ack.notice_id);
      expect(view).toMatchObject({ status: 'succeeded', outcome: 'emergency_recovery' });
      expect(view.steps.map((s) => s.name)).toEqual(expect.arrayContaining(['decide_path', 'snapshot', 'launch', 'restore', 'promote', 'reroute']));
      expect(view.steps.every((s) => s.state === 'ok')).toBe(true);
      const again = await notify('a1', token, { signal_type: 'termination-notice', instanceId, notice_time: noticeTime });
      expect(again.statusCode).toBe(202);
      expect(again.json<Ack>()).toMatchObject({ notice_id: ack.notice_id, duplicate: true, notice: { status: 'succeeded' } });
      const list = (await h.app.inject({ method: 'GET', url: '/api/agents/a1/notices', headers: bearer(token) })).json<{ notices: NoticeView[] }>();
      expect(list.notices.map((n) => n.id)).toEqual([ack.notice_id]);
    });

    it('3 copies of a notice without instanceId (one before, two after the failover) are one notice and one failover', async () => {
      const { token, instanceId } = await register(h, 'a1');
      const replica = await readyReplica(h, 'a1', token);
      const copy = { signal_type: 'termination-notice', notice_time: Math.floor(Date.now() / 1000) };
      const first = (await notify('a1', token, copy)).json<Ack>();
      expect(first).toMatchObject({ duplicate: false, notice: { instance_id: instanceId } });
      expect(await ended(h, 'a1', first.notice_id)).toMatchObject({ status: 'succeeded', outcome: 'promoted' });
      await waitForStatus(h, 'a1', (s) => s.primary.instance_id === replica);
      // The primary is now the promoted replica; the repeats still name the notice of the first receipt.
      for (const res of [await notify('a1', token, copy), await notify('a1', h.adminToken, copy)]) {
        expect(res.statusCode, res.body).toBe(202);
        expect(res.json<Ack>()).toMatchObject({ notice_id: first.notice_id, duplicate: true });
      }
      // Named explicitly, the old primary's notice is the same one too.
      expect((await notify('a1', token, { ...copy, instanceId })).json<Ack>()).toMatchObject({ notice_id: first.notice_id, duplicate: true });
      await h.sef.flush();
      const status = await waitForStatus(h, 'a1', () => true);
      expect(status.primary.instance_id).toBe(replica);
      expect(status.failovers).toHaveLength(1);
      const replicas = await h.sef.storage.replicas.listByAgent('a1');
      expect(replicas.filter((r) => r.status === 'promoted')).toHaveLength(1);
      expect(replicas.filter((r) => r.replicaType === 'emergency')).toHaveLength(0);
    });

    it("agent A naming agent B's primary is refused with 409 and a reason; B's own notice then fails B over", async () => {
      const a = await register(h, 'a1');
      const b = await register(h, 'b1');
      const noticeTime = Math.floor(Date.now() / 1000);
      const refused = await notify('a1', a.token, { signal_type: 'termination-notice', instanceId: b.instanceId, notice_time: noticeTime });
      expect(refused.statusCode, refused.body).toBe(409);
      expect(refused.json()).toMatchObject({ error: { code: 'CONFLICT', message: expect.stringContaining(`neither the primary nor the replica of agent a1`) } });
      const unknown = await notify('a1', a.token, { signal_type: 'rebalance-recommendation', instanceId: 'i-nobody' });
      expect(unknown.statusCode).toBe(409);
      expect((await h.app.inject({ method: 'GET', url: '/api/agents/a1/notices', headers: bearer(a.token) })).json<{ notices: unknown[] }>().notices).toEqual([]);
      const real = await notify('b1', b.token, { signal_type: 'termination-notice', instanceId: b.instanceId, notice_time: noticeTime });
      const ack = real.json<Ack>();
      expect(ack).toMatchObject({ duplicate: false, notice: { instance_id: b.instanceId } });
      expect(ack.notice_id).toContain('b1');
      expect(await ended(h, 'b1', ack.notice_id)).toMatchObject({ status: 'succeeded', outcome: 'emergency_recovery' });
      expect((await h.sef.storage.agents.get('b1'))?.primaryInstanceId).not.toBe(b.instanceId);
      // B's notice is not A's to read.
      const other = await h.app.inject({ method: 'GET', url: `/api/agents/a1/notices/${encodeURIComponent(ack.notice_id)}`, headers: bearer(a.token) });
      expect(other.statusCode).toBe(404);
    });

    it.runIf(backend === 'postgres+redis')('after Redis lost every lease key and token counter, the next notice still fails over (tokens resume above the highest seen)', async () => {
      const { token } = await register(h, 'a1');
      await readyReplica(h, 'a1', token);
      const first = (await notify('a1', token, { signal_type: 'termination-notice', notice_time: Math.floor(Date.now() / 1000) })).json<Ack>();
      expect(await ended(h, 'a1', first.notice_id)).toMatchObject({ status: 'succeeded' });
      const seen = await h.sef.storage.agents.highestFencingToken('a1');
      expect(seen).toBeGreaterThan(1);
      // What a restart without persistence does to SEF's keys: they are gone.
      const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await redis.connect();
        const keys = [...(await redis.keys(`${h.backendId}:lease:*`)), ...(await redis.keys(`${h.backendId}:fence:*`))];
        expect(keys.length).toBeGreaterThan(0);
        await redis.del(...keys);
      } finally {
        redis.disconnect();
      }
      const primary = (await h.sef.storage.agents.get('a1'))!.primaryInstanceId;
      const second = (await notify('a1', token, { signal_type: 'termination-notice', notice_time: Math.floor(Date.now() / 1000) + 1 })).json<Ack>();
      expect(second).toMatchObject({ duplicate: false, notice: { instance_id: primary } });
      const view = await ended(h, 'a1', second.notice_id);
      expect(view).toMatchObject({ status: 'succeeded' });
      expect(view.steps.filter((s) => s.state !== 'ok')).toEqual([]); // no stale-token refusals on the way
      expect(await h.sef.storage.agents.highestFencingToken('a1')).toBeGreaterThan(seen);
    });
  });
}
