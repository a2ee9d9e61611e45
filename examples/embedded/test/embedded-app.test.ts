import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { redisClientOptions } from '@sef/adapter-redis';
import { createSimulatedCloud, simulatedPools, systemClock, type AgentRecord, type Sef } from '@sef/core';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { createBackendSef } from '../src/create-sef.js';
import { reactToEvents } from '../src/react-to-events.js';
import { createWebhook } from '../src/webhook.js';

const postgresUrl = process.env['SEF_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env['SEF_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const skip = (process.env['SEF_TEST_SKIP'] ?? '').split(',');
const needsServices = skip.includes('postgres') || skip.includes('redis');

/** A webhook receiver that answers 503 to the first `failFirst` calls. */
async function startReceiver(failFirst: number) {
  const calls: { status: number; body: Record<string, unknown> }[] = [];
  const server = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    const status = calls.length < failFirst ? 503 : 200;
    calls.push({ status, body: JSON.parse(text) as Record<string, unknown> });
    res.writeHead(status).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, calls, close: () => new Promise((r) => server.close(r)) };
}

describe.skipIf(needsServices)('the embedded example on real Postgres and Redis', () => {
  const id = `test-${randomUUID()}`;
  const schema = id.replaceAll('-', '_');
  let pool: pg.Pool;
  let redis: Redis;
  let sef: Sef;
  let app: Server;
  let base: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const logs: { msg: string; fields: Record<string, unknown> }[] = [];
  const log = (msg: string, fields: Record<string, unknown> = {}) => void logs.push({ msg, fields });

  beforeEach(async () => {
    pool = new pg.Pool({ connectionString: postgresUrl, max: 4 });
    redis = new Redis(redisUrl, redisClientOptions);
    await once(redis, 'ready');
    receiver = await startReceiver(2);
    const notify = createWebhook({ url: receiver.url, initialBackoffMs: 20, onFailure: (error, attempt, willRetry) => log('webhook failed', { error, attempt, willRetry }) });
    // A one-second dedupe window so the test can read stored prices back a second later.
    const cloud = createSimulatedCloud({ clock: systemClock });
    sef = await createBackendSef({ pool, redis, schema, keyPrefix: `${id}:`, cloud, pools: simulatedPools(), config: { dataRetentionWindow: 1 } });
    reactToEvents(sef, { log, notify });
    sef.start();
    const onAgentRegistered = (a: AgentRecord) => void cloud.compute.addRunning({ instanceId: a.primaryInstanceId, poolId: a.poolId, agentId: a.id, launchedAt: a.primaryLaunchedAt });
    app = createApp(sef, { log, notify }, { onAgentRegistered }).listen(0, '127.0.0.1');
    await once(app, 'listening');
    base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await new Promise((r) => app.close(r));
    await sef.stop();
    await receiver.close();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${id}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
    await redis.quit();
  });

  const post = (path: string, body: unknown) =>
    fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('a notice on the app route calls the webhook at once, retried with backoff through two 503s, and SEF records it once', async () => {
    expect((await post('/fleet/agents', { id: 'web-1', instanceId: 'i-web1', poolId: 'us-east-1a:c5.large' })).status).toBe(201);
    const res = await post('/fleet/web-1/notice', { instance: 'i-web1', kind: 'rebalance' });
    expect(res.status).toBe(200);
    const deadline = Date.now() + 5000;
    while (!receiver.calls.some((c) => c.status === 200) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const notices = receiver.calls.filter((c) => c.body['kind'] === 'notice');
    expect(notices.map((c) => c.status)).toEqual([503, 503, 200]);
    expect(notices[2]!.body).toEqual({ kind: 'notice', agentId: 'web-1', instanceId: 'i-web1', type: 'rebalance-recommendation' });
    expect(logs.filter((l) => l.msg === 'webhook failed').map((l) => l.fields['willRetry'])).toEqual([true, true]);
    const signals = await sef.storage.events.listSignals({ since: 0, agentId: 'web-1' });
    expect(signals).toHaveLength(1);
    expect(signals[0]).toMatchObject({ signalType: 'rebalance-recommendation', instanceId: 'i-web1' });
  });

  it('a termination notice fails over: SEF launches a replacement, the webhook hears failover.completed, no failure or alert', async () => {
    expect((await post('/fleet/agents', { id: 'web-3', instanceId: 'i-web3', poolId: 'us-east-1a:c5.large' })).status).toBe(201);
    const res = await post('/fleet/web-3/notice', { instance: 'i-web3', kind: 'terminate' });
    expect(res.status).toBe(200);
    const deadline = Date.now() + 10_000;
    const completed = () => receiver.calls.find((c) => c.body['kind'] === 'failover.completed' && c.status === 200);
    while (!completed() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(completed()?.body).toMatchObject({ kind: 'failover.completed', agentId: 'web-3' });
    expect(receiver.calls.filter((c) => c.body['kind'] === 'failover.failed')).toEqual([]);
    expect(logs.filter((l) => l.msg === 'SEF alert' || l.msg === 'failover failed')).toEqual([]);
    const agent = await sef.storage.agents.get('web-3');
    expect(agent?.primaryInstanceId).not.toBe('i-web3');
  });

  it('registering the same agent twice is a clear 409, not a 500', async () => {
    expect((await post('/fleet/agents', { id: 'web-4', instanceId: 'i-web4', poolId: 'us-east-1a:c5.large' })).status).toBe(201);
    const again = await post('/fleet/agents', { id: 'web-4', instanceId: 'i-web4', poolId: 'us-east-1a:c5.large' });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: string }).error).toMatch(/web-4/);
    expect(logs.filter((l) => l.msg === 'request failed')).toEqual([]);
  });

  it("prices in the app's own format reach SEF's Postgres timeline; a bad sample is rejected alone and logged", async () => {
    await post('/fleet/agents', { id: 'web-2', instanceId: 'i-web2', poolId: 'us-east-1a:c5.large' });
    const t = Math.floor(Date.now() / 1000 / 300) * 300;
    const at = (s: number) => new Date(s * 1000).toISOString();
    const res = await post('/fleet/web-2/prices', {
      samples: [
        { instance: 'i-web2', pool: 'us-east-1a:c5.large', at: at(t - 300), usdPerHour: 0.031 },
        { instance: 'i-web2', pool: 'us-east-1a:c5.large', at: at(t), usdPerHour: 0.032 },
        { instance: 'i-web2', pool: 'us-east-1a:c5.large', at: at(t), usdPerHour: -5 },
      ],
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 2, rejected: 1 });
    expect(logs.filter((l) => l.msg === 'report rejected')).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1100));
    await sef.flush();
    const points = await sef.storage.prices.timeline({ agentId: 'web-2', poolId: 'us-east-1a:c5.large' }, t - 600, t + 1);
    expect(points.map((p) => [p.timestamp, p.price])).toEqual([[t - 300, 0.031], [t, 0.032]]);
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "${schema}".pricing_reports`);
    expect(rows[0].n).toBe(2);
  });
});
