import { randomUUID } from 'node:crypto';
import { TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { freePort, startMoto, type MotoServer } from '@sef/adapter-aws/testing';
import { stepToken } from '@sef/core';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createPrivateRedis, type PrivateRedis } from '../../../../packages/adapter-redis/test/private-redis.js';
import { startServerProcess, type ServerProcess } from '../faults/server-process.js';
import { startEc2Proxy, type Ec2Proxy } from './ec2-proxy.js';
import { apiClient, until, type ApiClient } from './http-client.js';
import { fastSweeps, prepareMotoCloud, type MotoCloud } from './moto-cloud.js';

export interface NoticeView {
  readonly id: string;
  readonly status: 'open' | 'succeeded' | 'failed';
  readonly outcome: string | null;
  readonly steps: readonly { readonly name: string; readonly state: 'running' | 'ok' | 'failed'; readonly detail: string | null }[];
}

/** One notice after a chaos run: how it ended and how many failovers it caused, in the stores and in moto. */
export interface NoticeAudit {
  readonly id: string;
  readonly agentId: string;
  readonly success: boolean | null;
  readonly outcome: string | null;
  /** The failed step's detail (a failed notice must say why). */
  readonly reason: string | null;
  /** Completion events (`termination.*`) recorded for the notice. */
  readonly completions: number;
  /** Emergency relaunch records of the notice that were promoted. */
  readonly promotions: number;
  /** Instances moto launched for the notice's relaunch with the notice's launch token as ClientToken. */
  readonly launches: number;
  /** Instances moto launched tagged with the notice as their cause (`sef:cause`), whatever their token. */
  readonly tagged: number;
}

/** SEF-tagged instances that run in moto while no stored state refers to them. */
export interface LeakAudit {
  readonly leaked: readonly string[];
  readonly running: number;
}

/**
 * Three (or `processes`) SEF server processes on one moto (behind {@link startEc2Proxy}: ClientToken
 * idempotency and per-call latency), one private redis-server without persistence (FLUSHALL and restarts
 * touch nobody else) and a schema of its own on the shared Postgres. Each process is `chaos-<slot>-<n>`,
 * the lease owner the Redis lease key names.
 */
export interface ChaosCluster {
  readonly moto: MotoServer;
  readonly proxy: Ec2Proxy;
  readonly cloud: MotoCloud;
  readonly redis: PrivateRedis;
  readonly servers: ServerProcess[];
  readonly admin: string;
  /** A client of the process in `slot`. */
  api(slot: number): ApiClient;
  /** SIGSTOP (`true`) or SIGCONT (`false`) of the process in `slot`; a frozen one is not asked about notices. */
  freeze(slot: number, frozen: boolean): void;
  /** Starts (or restarts) the process in `slot`; resolves once it answers. */
  start(slot: number): Promise<void>;
  /** The slot of the process holding the agent's failover lease, if any. */
  holder(agentId: string): Promise<number | undefined>;
  /** Launches the agent's primary in moto and registers the agent; returns its token and primary. */
  register(agentId: string): Promise<{ token: string; primary: string }>;
  /** Polls the notice (through any live process) until it has ended. */
  ended(agentId: string, noticeId: string, timeoutMs?: number): Promise<NoticeView>;
  /** The notice as stored now (through any live process). */
  view(agentId: string, noticeId: string): Promise<NoticeView>;
  /** What AWS does at the notice's action time: the interrupted instance goes. */
  interrupt(instanceIds: readonly string[]): Promise<void>;
  audit(noticeIds: readonly string[]): Promise<NoticeAudit[]>;
  /** EC2 calls the proxy forwarded since `since` (a copy of `proxy.calls` taken before), by action, per notice. */
  callsPerNotice(since: ReadonlyMap<string, number>, notices: number): Record<string, number>;
  leaks(): Promise<LeakAudit>;
  close(): Promise<void>;
}

export interface ChaosOptions {
  /** Every agent the run will register (each gets an Elastic IP before the processes start). */
  readonly agents: readonly string[];
  /** @default 3 */
  readonly processes?: number;
  /** Latency the proxy adds to every EC2 call (ms). @default 100 */
  readonly latencyMs?: number;
  readonly postgresUrl: string;
  /** Extra server settings. */
  readonly env?: Readonly<Record<string, string>>;
}

/** The ClientToken of a notice's relaunch: one per notice, whatever pool it is tried in. */
const launchToken = (noticeId: string) => stepToken(noticeId, 'launch');

export async function startChaosCluster(options: ChaosOptions): Promise<ChaosCluster> {
  const schema = `chaos_${randomUUID().replaceAll('-', '_')}`;
  const admin = `admin-${randomUUID()}`;
  const moto = await startMoto();
  const closers: (() => Promise<unknown>)[] = [async () => moto.stop()];
  const closeAll = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  };
  try {
    const proxy = await startEc2Proxy(moto.endpoint, { latencyMs: options.latencyMs ?? 100 });
    closers.push(() => proxy.close());
    const cloud = await prepareMotoCloud(moto.endpoint, options.agents);
    closers.push(() => cloud.close());
    const redis = await createPrivateRedis({ persistence: false });
    closers.push(async () => redis.destroy());
    await redis.start();
    const db = new pg.Pool({ connectionString: options.postgresUrl, max: 2 });
    closers.push(async () => {
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await db.end();
    });
    const env: Record<string, string> = {
      ...cloud.env, SEF_AWS_ENDPOINT: proxy.endpoint, ...fastSweeps,
      // Longer than a lease TTL plus a sweep: a launch whose record a dead process never wrote is resumed, not reaped.
      SEF_ORPHAN_MIN_AGE: '10',
      SEF_ADMIN_TOKEN: admin, DATABASE_URL: options.postgresUrl, SEF_PG_SCHEMA: schema, REDIS_URL: redis.url,
      SEF_REDIS_COMMAND_TIMEOUT: '1000', LOG_LEVEL: 'error', ...options.env,
    };
    const servers: ServerProcess[] = [];
    const owners: string[] = [];
    let generation = 0;
    closers.push(() => Promise.allSettled(servers.map((s) => s.stop())));
    const start = async (slot: number) => {
      const owner = `chaos-${slot}-${generation++}`;
      const s = startServerProcess(await freePort(), { ...env, SEF_INSTANCE_ID: owner });
      servers[slot] = s;
      owners[slot] = owner;
      await s.ready(90_000);
    };
    // The first one runs the migrations alone.
    await start(0);
    await Promise.all(Array.from({ length: (options.processes ?? 3) - 1 }, (_, k) => start(k + 1)));
    const api = (slot: number) => apiClient(servers[slot]!.url, admin);
    const frozen = new Set<number>();
    const anyApi = () => api(servers.findIndex((s, slot) => !s.exited && !frozen.has(slot)));
    const view = async (agentId: string, noticeId: string) => {
      const res = await anyApi().get<NoticeView>(`/api/agents/${agentId}/notices/${encodeURIComponent(noticeId)}`);
      if (res.status !== 200) throw new Error(`notice ${noticeId}: ${res.status} ${res.text}`);
      return res.body;
    };

    return {
      moto, proxy, cloud, redis, servers, admin, api, start,
      freeze(slot, stop) {
        servers[slot]!.signal(stop ? 'SIGSTOP' : 'SIGCONT');
        if (stop) frozen.add(slot);
        else frozen.delete(slot);
      },
      async holder(agentId) {
        const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
        try {
          await client.connect();
          const value = await client.get(`sef:lease:agent:${agentId}`);
          const owner = value?.slice(value.indexOf(':') + 1);
          const slot = owners.indexOf(owner ?? '');
          return slot >= 0 ? slot : undefined;
        } finally {
          client.disconnect();
        }
      },
      async register(agentId) {
        const primary = await cloud.launchPrimary(agentId);
        const res = await api(0).post<{ token: string }>('/api/agents', { id: agentId, instanceId: primary, poolId: 'us-east-1a:c5.large' });
        if (res.status !== 201) throw new Error(`registration of ${agentId}: ${res.status} ${res.text}`);
        return { token: res.body.token, primary };
      },
      view,
      ended: (agentId, noticeId, timeoutMs = 60_000) =>
        until(`notice ${noticeId} ended`, async () => {
          const v = await view(agentId, noticeId);
          return v.status === 'open' ? undefined : v;
        }, timeoutMs, 100),
      async interrupt(instanceIds) {
        if (instanceIds.length > 0) await cloud.ec2.send(new TerminateInstancesCommand({ InstanceIds: [...instanceIds] }));
      },
      async audit(noticeIds) {
        const { rows: notices } = await db.query<{ id: string; agent_id: string; success: boolean | null; outcome: string | null; steps: { name: string; ok: boolean | null; detail?: string }[] }>(
          `SELECT id, agent_id, success, outcome, steps FROM "${schema}".spot_interruption_events WHERE id = ANY($1)`, [noticeIds]);
        const { rows: completions } = await db.query<{ id: string; n: string }>(
          `SELECT payload->>'signalId' AS id, count(*) AS n FROM "${schema}".system_events WHERE event_type LIKE 'termination.%' AND payload->>'signalId' = ANY($1) GROUP BY 1`, [noticeIds]);
        const { rows: promoted } = await db.query<{ cause_id: string; n: string }>(
          `SELECT cause_id, count(*) AS n FROM "${schema}".replica_instances WHERE replica_type = 'emergency' AND status = 'promoted' AND cause_id = ANY($1) GROUP BY 1`, [noticeIds]);
        const instances = await cloud.instances();
        return noticeIds.map((id): NoticeAudit => {
          const n = notices.find((r) => r.id === id);
          const token = launchToken(id);
          return {
            id, agentId: n?.agent_id ?? '?', success: n?.success ?? null, outcome: n?.outcome ?? null,
            reason: n?.steps.find((s) => s.ok === false)?.detail ?? null,
            completions: Number(completions.find((r) => r.id === id)?.n ?? 0),
            promotions: Number(promoted.find((r) => r.cause_id === id)?.n ?? 0),
            launches: instances.filter((i) => i.clientToken === token).length,
            tagged: instances.filter((i) => i.cause === id).length,
          };
        });
      },
      callsPerNotice(since, notices) {
        const out: Record<string, number> = {};
        for (const [action, n] of proxy.calls) if (n > (since.get(action) ?? 0)) out[action] = Math.round(((n - (since.get(action) ?? 0)) / notices) * 10) / 10;
        return out;
      },
      async leaks() {
        const { rows } = await db.query<{ id: string }>(
          `SELECT primary_instance_id AS id FROM "${schema}".agents UNION SELECT instance_id FROM "${schema}".replica_instances WHERE status IN ('launching', 'syncing', 'ready') AND instance_id IS NOT NULL`);
        const referenced = new Set(rows.map((r) => r.id));
        const running = await cloud.sefRunning();
        return { leaked: running.filter((i) => !referenced.has(i.instanceId)).map((i) => i.instanceId).sort(), running: running.length };
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
