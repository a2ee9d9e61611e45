import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createReplicaManager, createSimulatedCloud, parseConfig, systemClock, zeroLatencies } from '@sef/core';
import { createPostgresStorage, migrate } from '@sef/adapter-postgres';
import { createRedisLeaseManager } from '@sef/adapter-redis';
const tag = `cpu_${process.pid}`;
const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', max: 10 });
const redis = new Redis('redis://127.0.0.1:6379');
let firstCall: number | undefined; let cpuAt: NodeJS.CpuUsage | undefined;
const cloud = createSimulatedCloud({ clock: systemClock, latencies: zeroLatencies, onCall: () => { if (firstCall === undefined) { firstCall = performance.now(); cpuAt = process.cpuUsage(); } } });
await migrate(pool, { schema: tag });
const storage = createPostgresStorage({ pool, schema: tag });
const manager = createReplicaManager({ storage, compute: cloud.compute, priceFeed: cloud.priceFeed, router: cloud.router, leases: createRedisLeaseManager({ client: redis, keyPrefix: `${tag}:` }), clock: systemClock, config: parseConfig(), emit: () => {}, owner: 'bench' });
const now = Date.now(); const N = 400;
for (let i = 0; i < N; i++) {
  const id = `a${i}`;
  cloud.compute.addRunning({ instanceId: `i-${id}`, poolId: 'us-east-1a:c5.large', agentId: id, launchedAt: now - 3_600_000 });
  cloud.compute.addRunning({ instanceId: `i-${id}-r`, poolId: 'us-east-1b:c5.large', agentId: id, launchedAt: now - 600_000 });
  const a = await storage.agents.create({ id, region: 'us-east-1', poolId: 'us-east-1a:c5.large', primaryInstanceId: `i-${id}`, primaryLaunchedAt: now - 3_600_000 });
  await storage.replicas.create({ id: `r-${id}`, agentId: id, instanceId: `i-${id}-r`, poolId: 'us-east-1b:c5.large', market: 'spot', replicaType: 'auto', status: 'ready', createdAt: now - 600_000, readyAt: now - 500_000, endedAt: null, causeId: `c-${id}` });
  await storage.agents.update(id, a.version, { replicaInstanceId: `i-${id}-r` });
}
const cpu: number[] = []; const wall: number[] = [];
for (let i = 0; i < N; i++) {
  firstCall = undefined;
  const notice = cloud.signals.notice(`i-a${i}`, 'termination-notice');
  const c0 = process.cpuUsage(); const t = performance.now();
  await manager.handleSignal(notice);
  const c = process.cpuUsage(c0); void c;
  const d = { user: cpuAt!.user - c0.user, system: cpuAt!.system - c0.system };
  if (i >= 50) { cpu.push((d.user + d.system) / 1000); wall.push(firstCall! - t); }
}
const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))]!.toFixed(2);
console.log(`decision wall p50 ${q(wall, 0.5)} p99 ${q(wall, 0.99)} ms; process CPU to first call p50 ${q(cpu, 0.5)} p99 ${q(cpu, 0.99)} ms`);
await pool.query(`DROP SCHEMA ${tag} CASCADE`); await pool.end(); redis.disconnect();
