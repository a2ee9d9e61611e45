// Failover decision time on Postgres + Redis (the given URLs, own schema and key prefix) with 10,000 agents
// (BENCH_FAILOVER_AGENTS), each with a ready replica: from a termination notice to the first provider call
// (a zero-latency simulated provider), beside one Postgres round trip plus one Redis command in sequence
// (the least a decision on these stores must wait for), interleaved, BENCH_ROUNDS (3) rounds of 200 notices.
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createReplicaManager, createSimulatedCloud, parseConfig, systemClock, zeroLatencies } from '@sef/core';
import { createPostgresStorage, migrate } from '@sef/adapter-postgres';
import { createRedisLeaseManager } from '@sef/adapter-redis';

const agents = Number(process.env['BENCH_FAILOVER_AGENTS'] ?? 10_000);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
const perRound = 200;
const pgUrl = process.env['SEF_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env['SEF_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const tag = `bench_failover_${process.pid}_${Date.now()}`;
const POOL = 'us-east-1a:c5.large';
const REPLICA_POOL = 'us-east-1b:c5.large';

const pool = new pg.Pool({ connectionString: pgUrl, max: 10 });
const redis = new Redis(redisUrl);
let firstCall: number | undefined;
const cloud = createSimulatedCloud({ clock: systemClock, latencies: zeroLatencies, onCall: () => void (firstCall ??= performance.now()) });
try {
  await migrate(pool, { schema: tag });
  const storage = createPostgresStorage({ pool, schema: tag });
  const manager = createReplicaManager({
    storage, compute: cloud.compute, priceFeed: cloud.priceFeed, router: cloud.router,
    leases: createRedisLeaseManager({ client: redis, keyPrefix: `${tag}:` }), clock: systemClock, config: parseConfig(), emit: () => {}, owner: 'bench',
  });
  const now = Date.now();
  const t0 = performance.now();
  const setup = async (i: number) => {
    const id = `a${i}`;
    cloud.compute.addRunning({ instanceId: `i-${id}`, poolId: POOL, agentId: id, launchedAt: now - 3_600_000 });
    cloud.compute.addRunning({ instanceId: `i-${id}-r`, poolId: REPLICA_POOL, agentId: id, launchedAt: now - 600_000 });
    const a = await storage.agents.create({ id, region: 'us-east-1', poolId: POOL, primaryInstanceId: `i-${id}`, primaryLaunchedAt: now - 3_600_000 });
    await storage.replicas.create({
      id: `r-${id}`, agentId: id, instanceId: `i-${id}-r`, poolId: REPLICA_POOL, market: 'spot', replicaType: 'auto', status: 'ready',
      createdAt: now - 600_000, readyAt: now - 500_000, endedAt: null, causeId: `c-${id}`,
    });
    await storage.agents.update(id, a.version, { replicaInstanceId: `i-${id}-r` });
  };
  for (let i = 0; i < agents; i += 50) await Promise.all(Array.from({ length: Math.min(50, agents - i) }, (_, k) => setup(i + k)));
  console.error(`${agents} agents with a ready replica set up in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

  const pct = (xs: readonly number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
  const decision: number[][] = [];
  const baseline: number[][] = [];
  const stride = Math.max(1, Math.floor(agents / (rounds * perRound)));
  let next = 0;
  for (let round = 0; round < rounds; round++) {
    const d: number[] = [];
    const b: number[] = [];
    for (let n = 0; n < perRound; n++) {
      const i = (next++ * stride) % agents;
      firstCall = undefined;
      const notice = cloud.signals.notice(`i-a${i}`, 'termination-notice');
      const t = performance.now();
      const { event } = await manager.handleSignal(notice);
      if (firstCall === undefined || !event.success) throw new Error(`notice for a${i} did not fail over`);
      d.push(firstCall - t);
      const u = performance.now();
      await pool.query('SELECT 1');
      await redis.ping();
      b.push(performance.now() - u);
    }
    decision.push(d);
    baseline.push(b);
  }
  const spread = (xs: readonly number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `${s[0]!.toFixed(2)} / ${s[Math.floor(s.length / 2)]!.toFixed(2)} / ${s.at(-1)!.toFixed(2)}`;
  };
  console.log(`failover decision, notice → first provider call, Postgres + Redis, ${agents} agents, ${rounds} rounds of ${perRound} notices (min / median / max of the rounds)`);
  console.log(`  decision p50 ${spread(decision.map((d) => pct(d, 50)))} ms, p99 ${spread(decision.map((d) => pct(d, 99)))} ms (target p99 < 5 ms)`);
  console.log(`  baseline, one Postgres round trip + one Redis command: p50 ${spread(baseline.map((d) => pct(d, 50)))} ms, p99 ${spread(baseline.map((d) => pct(d, 99)))} ms`);
  console.log(`  ratio decision / baseline, p99 per round: ${spread(decision.map((d, r) => pct(d, 99) / pct(baseline[r]!, 99)))}`);
} finally {
  await pool.query(`DROP SCHEMA IF EXISTS ${tag} CASCADE`).catch(() => undefined);
  let cursor = '0';
  do {
    const [c, keys] = await redis.scan(cursor, 'MATCH', `${tag}:*`, 'COUNT', 1000);
    cursor = c;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
  await pool.end();
}
