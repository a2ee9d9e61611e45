import { randomUUID } from 'node:crypto';
import { freePort, sefInstancesLeft, startMoto, type MotoServer } from '@sef/adapter-aws/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from './faults/server-process.js';
import { dropBackends, postgresUrl, redisUrl, skipped } from './support/harness.js';
import { apiClient, until, type ApiClient } from './support/http-client.js';
import { fastSweeps, prepareMotoCloud, type MotoCloud } from './support/moto-cloud.js';

// Issue 14: the server with SEF_CLOUD=aws, end to end against moto's EC2: one real server process on
// Postgres + Redis (own schema and key prefix), driven over HTTP, moto's state checked after every step.
const run = !skipped('postgres') && !skipped('redis');

interface NoticeView { id: string; status: string; outcome: string | null; steps: { name: string; ok?: boolean; state: string }[] }
interface Status { modes: Record<string, boolean>; primary: { instance_id: string; pool_id: string }; replica: { instance_id: string | null; status: string; replica_type: string } | null }

describe.runIf(run)('examples/server with SEF_CLOUD=aws on moto, end to end', () => {
  let moto: MotoServer;
  let cloud: MotoCloud;
  let server: ServerProcess;
  let api: ApiClient;
  const id = `test-${randomUUID()}`;
  const admin = `admin-${randomUUID()}`;

  beforeAll(async () => {
    moto = await startMoto();
    cloud = await prepareMotoCloud(moto.endpoint, ['a1']);
    server = startServerProcess(await freePort(), {
      ...cloud.env, ...fastSweeps, SEF_ADMIN_TOKEN: admin, SEF_INSTANCE_ID: 'e2e-1',
      DATABASE_URL: postgresUrl, SEF_PG_SCHEMA: id.replaceAll('-', '_'), REDIS_URL: redisUrl, SEF_REDIS_PREFIX: `${id}:`,
    });
    await server.ready(60_000);
    api = apiClient(server.url, admin);
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    let left: string[] = [];
    try {
      // The end of the workload: its primary goes; then nothing SEF tagged may run.
      await cloud?.close();
      if (cloud) left = await sefInstancesLeft(moto.endpoint);
    } finally {
      await moto?.stop();
      const redis = new Redis(redisUrl, { lazyConnect: true });
      await redis.connect();
      try {
        await dropBackends(id, redis);
      } finally {
        redis.disconnect();
      }
    }
    expect(left).toEqual([]);
  }, 60_000);

  const status = async () => (await api.get<Status>('/api/agents/a1/sef-status')).body;
  const ended = (noticeId: string) =>
    until(`notice ${noticeId} ended`, async () => {
      const view = (await api.get<NoticeView>(`/api/agents/a1/notices/${encodeURIComponent(noticeId)}`)).body;
      return view.status === 'open' ? undefined : view;
    });
  const running = async () => (await cloud.sefRunning()).map((i) => i.instanceId).sort();

  it('register, rebalance, termination, manual switch, manual off: the Elastic IP follows the primary, nothing SEF launched is left running', async () => {
    const first = await cloud.launchPrimary('a1');
    const reg = await api.post<{ token: string }>('/api/agents', { id: 'a1', instanceId: first, poolId: 'us-east-1a:c5.large' });
    expect(reg.status, reg.text).toBe(201);
    const token = reg.body.token;

    // Rebalance with auto-switch on: a replica is launched in moto, in another pool.
    expect((await api.post('/api/agents/a1/auto-switch/enable')).status).toBe(200);
    const rebalance = await api.post<{ notice_id: string }>('/api/agents/a1/interruption', { signal_type: 'rebalance-recommendation', instanceId: first }, token);
    expect(rebalance.status, rebalance.text).toBe(202);
    expect(await ended(rebalance.body.notice_id)).toMatchObject({ status: 'succeeded', outcome: 'replica_started' });
    const replica = await until('replica has an instance', async () => (await status()).replica?.instance_id ?? undefined);
    const launched = (await cloud.instances()).find((i) => i.instanceId === replica)!;
    expect(launched).toMatchObject({ state: 'running', agentId: 'a1', role: 'replica' });
    expect(launched.poolId).not.toBe('us-east-1a:c5.large');
    expect(await running()).toEqual([first, replica].sort());

    // The agent on the replica says it is ready; then the termination notice promotes it.
    expect((await api.post('/api/agents/a1/heartbeat', { instanceId: replica, state: 'ready' }, token)).status).toBe(200);
    // AWS gives 2 minutes; a short action time keeps the test short (the old primary runs until then).
    const noticeTime = Math.floor(Date.now() / 1000);
    const notice = await api.post<{ notice_id: string }>('/api/agents/a1/interruption', { signal_type: 'termination-notice', instanceId: first, notice_time: noticeTime, action_time: noticeTime + 8 }, token);
    expect(notice.status, notice.text).toBe(202);
    expect(await ended(notice.body.notice_id)).toMatchObject({ status: 'succeeded', outcome: 'promoted' });
    expect((await status()).primary.instance_id).toBe(replica);
    expect(await cloud.eipHolder('a1')).toBe(replica);
    // The old primary runs out its notice; then the reconciliation sweep ends it (moto does not play AWS's part).
    await until('old primary terminated', async () => ((await cloud.instances()).find((i) => i.instanceId === first)?.state === 'terminated' ? true : undefined), 40_000);

    // Manual mode: auto off first, then manual on (a standby), ready, and the switch.
    expect((await api.post('/api/agents/a1/auto-switch/disable')).status).toBe(200);
    expect((await api.post('/api/agents/a1/manual-replica/enable')).status).toBe(200);
    // Manual mode keeps the auto standby if it is still there (it takes it over), else launches its own.
    const standby = await until('manual standby running', async () => {
      const id = (await status()).replica?.instance_id;
      return id && (await cloud.sefRunning()).some((i) => i.instanceId === id) ? id : undefined;
    });
    expect((await cloud.instances()).find((i) => i.instanceId === standby)).toMatchObject({ state: 'running', agentId: 'a1', role: 'replica' });
    expect((await api.post('/api/agents/a1/heartbeat', { instanceId: standby, state: 'ready' }, token)).status).toBe(200);
    const switched = await api.post('/api/agents/a1/manual-switch');
    expect(switched.status, switched.text).toBe(200);
    expect((await status()).primary.instance_id).toBe(standby);
    expect(await cloud.eipHolder('a1')).toBe(standby);
    expect((await cloud.instances()).find((i) => i.instanceId === replica)?.state).toBe('terminated');
    const next = await until('next standby launched', async () => {
      const r = (await status()).replica;
      return r?.instance_id && r.instance_id !== standby ? r.instance_id : undefined;
    });
    await until('only the primary and its standby run', async () => ((await running()).join() === [standby, next].sort().join() ? true : undefined));

    // Manual off: the standby is terminated; only the primary runs.
    expect((await api.post('/api/agents/a1/manual-replica/disable')).status).toBe(200);
    expect((await cloud.instances()).find((i) => i.instanceId === next)?.state).toBe('terminated');
    expect((await status()).replica).toBeNull();
    await until('only the primary runs', async () => ((await running()).join() === standby ? true : undefined), 5_000);
    expect(await cloud.eipHolder('a1')).toBe(standby);
  }, 120_000);
});
