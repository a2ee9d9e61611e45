import { sefInstancesLeft } from '@sef/adapter-aws/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChaosCluster, type ChaosCluster, type NoticeAudit, type NoticeView } from './support/chaos-cluster.js';
import { postgresUrl, skipped } from './support/harness.js';
import { until } from './support/http-client.js';

// Issue 13: three server processes on one moto, one Redis and one Postgres, under duplicated notices,
// kill -9 and SIGSTOP of the process running a failover, Redis flushed and restarted. After each: every
// notice ended (succeeded, or failed with a reason), exactly one failover per notice (completion events,
// promoted relaunch records and instances moto launched for it) and no SEF instance running that no stored
// state refers to.
const agents = {
  dup: ['d0', 'd1', 'd2', 'd3', 'd4', 'd5'],
  kill: ['k0', 'k1'],
  flush: ['f0', 'f1'],
  restart: ['r0', 'r1'],
  stop: ['s0'],
};
const nowSeconds = () => Math.floor(Date.now() / 1000);
interface Ack { notice_id: string; duplicate: boolean }

describe.skipIf(skipped('postgres'))('chaos: 3 server processes on moto, Postgres and a private Redis', () => {
  let c: ChaosCluster;
  const tokens = new Map<string, string>();
  const primaries = new Map<string, string>();

  beforeAll(async () => {
    c = await startChaosCluster({ agents: Object.values(agents).flat(), postgresUrl });
  }, 150_000);

  afterAll(async () => {
    if (!c) return;
    c.servers.forEach((s, slot) => !s.exited && c.freeze(slot, false));
    let leaked: readonly string[] = [];
    let left: string[] = [];
    try {
      leaked = (await c.leaks()).leaked;
      // The end of the workloads: their primaries go; then nothing SEF tagged may run.
      await c.cloud.close();
      left = await sefInstancesLeft(c.moto.endpoint);
    } finally {
      // Servers, moto, Redis and the schema go whatever happened above.
      await c.close();
    }
    expect(leaked).toEqual([]);
    expect(left).toEqual([]);
  }, 60_000);

  const register = async (ids: readonly string[]) => {
    for (const id of ids) {
      const { token, primary } = await c.register(id);
      tokens.set(id, token);
      primaries.set(id, primary);
    }
  };
  const notify = async (slot: number, agent: string, body: object, token = tokens.get(agent)!) => {
    const res = await c.api(slot).post<Ack>(`/api/agents/${agent}/interruption`, { signal_type: 'termination-notice', ...body }, token);
    expect(res.status, res.text).toBe(202);
    return res.body;
  };
  /** Every notice ended; one failover each; the interrupted primaries go (AWS's part); then nothing leaked. */
  const expectOneFailoverEach = async (noticeIds: readonly string[], interrupted: readonly string[]) => {
    const audits: NoticeAudit[] = await c.audit(noticeIds);
    for (const a of audits) {
      if (a.success === false) expect(a.reason, `${a.id} failed without a reason`).toBeTruthy();
      expect(a.success, `${a.id}: ${JSON.stringify(a)}`).toBe(true);
      // One instance launched per notice, counted by its ClientToken and by its sef:cause tag.
      expect({ id: a.id, completions: a.completions, promotions: a.promotions, launches: a.launches, tagged: a.tagged }).toEqual({ id: a.id, completions: 1, promotions: 1, launches: 1, tagged: 1 });
    }
    await c.interrupt(interrupted);
    // A dead process's launch is resumed (the same ClientToken) or reaped by the reconciliation sweep.
    const leaks = await until('no leaked instance', async () => {
      const l = await c.leaks();
      return l.leaked.length === 0 ? l : undefined;
    }, 30_000, 250).catch(async (error: unknown) => {
      throw new Error(`${String(error)}: ${JSON.stringify(await c.leaks())}`);
    });
    expect(leaks.leaked).toEqual([]);
    return audits;
  };
  /** Polls the notice through a process other than `not` until `step` runs (the failover is mid-way). */
  const midway = (agent: string, noticeId: string, step: string) =>
    until(`${noticeId} at ${step}`, async () => {
      const v: NoticeView = await c.view(agent, noticeId);
      if (v.status !== 'open') throw new Error(`${noticeId} ended before ${step} was seen: ${JSON.stringify(v.steps)}`);
      return v.steps.some((s) => s.name === step && s.state === 'running') ? v : undefined;
    }, 20_000, 15);

  it('duplicated notices (5 copies over 3 processes, 3 before and 2 after the failover, with and without instanceId) fail over once each', async () => {
    await register(agents.dup);
    const callsBefore = new Map(c.proxy.calls);
    const noticeTime = nowSeconds();
    const body = (agent: string, k: number) => ({ notice_time: noticeTime, ...(k % 2 === 0 ? { instanceId: primaries.get(agent) } : {}) });
    const first = await Promise.all(agents.dup.flatMap((agent, k) => [0, 1, 2].map((copy) => notify((k + copy) % 3, agent, body(agent, k)))));
    const ids = agents.dup.map((_, k) => first[k * 3]!.notice_id);
    agents.dup.forEach((_, k) => {
      const copies = first.slice(k * 3, k * 3 + 3);
      expect(new Set(copies.map((a) => a.notice_id))).toEqual(new Set([ids[k]]));
      expect(copies.filter((a) => !a.duplicate)).toHaveLength(1);
    });
    for (const [k, agent] of agents.dup.entries()) expect(await c.ended(agent, ids[k]!)).toMatchObject({ status: 'succeeded', outcome: 'emergency_recovery' });
    // The figure of docs/PERF.md (the sweeps' DescribeInstances included): EC2 calls per emergency recovery.
    console.log(`EC2 calls per notice, ${ids.length} emergencies at once: ${JSON.stringify(c.callsPerNotice(callsBefore, ids.length))}`);
    // After the failover the primary is another instance: copies without instanceId still name the first receipt's.
    const late = await Promise.all(agents.dup.flatMap((agent, k) => [1, 2].map((copy) => notify((k + copy) % 3, agent, body(agent, k)))));
    late.forEach((ack, n) => expect(ack).toMatchObject({ notice_id: ids[Math.floor(n / 2)], duplicate: true }));
    await expectOneFailoverEach(ids, agents.dup.map((a) => primaries.get(a)!));
  }, 120_000);

  it('kill -9 of the process running a failover (at the snapshot, at the launch): a surviving process resumes it, once', async () => {
    await register(agents.kill);
    const ids: string[] = [];
    for (const [k, agent] of agents.kill.entries()) {
      const step = k === 0 ? 'snapshot' : 'launch';
      const ack = await notify(k % 3, agent, { instanceId: primaries.get(agent), notice_time: nowSeconds() });
      ids.push(ack.notice_id);
      await midway(agent, ack.notice_id, step);
      const holder = await c.holder(agent);
      expect(holder, `no lease holder for ${agent}`).toBeDefined();
      await c.servers[holder!]!.kill9();
      const restarted = c.start(holder!);
      expect(await c.ended(agent, ack.notice_id)).toMatchObject({ status: 'succeeded', outcome: 'emergency_recovery' });
      await restarted;
    }
    await expectOneFailoverEach(ids, agents.kill.map((a) => primaries.get(a)!));
  }, 150_000);

  it('Redis FLUSHALL in the middle of failovers, then a Redis restart (no persistence) in the middle of one and a notice while it is down', async () => {
    await register([...agents.flush, ...agents.restart]);
    const redis = new Redis(c.redis.url, { lazyConnect: true });
    await redis.connect();
    const flushed = await Promise.all(agents.flush.map((agent, k) => notify(k, agent, { notice_time: nowSeconds() })));
    await midway(agents.flush[0]!, flushed[0]!.notice_id, 'snapshot');
    await redis.flushall();
    redis.disconnect();
    for (const [k, agent] of agents.flush.entries()) expect(await c.ended(agent, flushed[k]!.notice_id)).toMatchObject({ status: 'succeeded' });

    const [r0, r1] = agents.restart as [string, string];
    const before = await notify(2, r0, { notice_time: nowSeconds() });
    await midway(r0, before.notice_id, 'snapshot');
    c.redis.signal('SIGKILL');
    // Acknowledged while Redis is down: recorded in Postgres, run once Redis is back.
    const during = await notify(1, r1, { notice_time: nowSeconds() });
    expect(during.duplicate).toBe(false);
    await c.redis.start();
    expect(await c.ended(r0, before.notice_id)).toMatchObject({ status: 'succeeded' });
    expect(await c.ended(r1, during.notice_id)).toMatchObject({ status: 'succeeded' });
    const all = [...agents.flush, ...agents.restart];
    await expectOneFailoverEach([...flushed.map((a) => a.notice_id), before.notice_id, during.notice_id], all.map((a) => primaries.get(a)!));
  }, 150_000);

  it('SIGSTOP of the lease holder past its lease, then SIGCONT: another process finishes the failover, the woken one does not act again', async () => {
    await register(agents.stop);
    const agent = agents.stop[0]!;
    const first = await notify(0, agent, { instanceId: primaries.get(agent), notice_time: nowSeconds() });
    await midway(agent, first.notice_id, 'launch');
    const holder = (await c.holder(agent))!;
    expect(holder).toBeDefined();
    c.freeze(holder, true);
    try {
      expect(await c.ended(agent, first.notice_id)).toMatchObject({ status: 'succeeded', outcome: 'emergency_recovery' });
    } finally {
      c.freeze(holder, false);
    }
    await c.servers[holder]!.ready();
    // The woken process serves the agent's next notice: its stale run was fenced off, it takes a new lease.
    const secondPrimary = (await c.api(holder).get<{ primary: { instance_id: string } }>(`/api/agents/${agent}/sef-status`)).body.primary.instance_id;
    const second = await notify(holder, agent, { instanceId: secondPrimary, notice_time: nowSeconds() + 1 });
    expect(await c.ended(agent, second.notice_id)).toMatchObject({ status: 'succeeded', outcome: 'emergency_recovery' });
    await expectOneFailoverEach([first.notice_id, second.notice_id], [primaries.get(agent)!, secondPrimary]);
  }, 120_000);
});
