import { once } from 'node:events';
import { redisClientOptions } from '@sef/adapter-redis';
import { createSimulatedCloud, simulatedPools, systemClock, type AgentRecord } from '@sef/core';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createApp } from './app.js';
import { createBackendSef } from './create-sef.js';
import { reactToEvents } from './react-to-events.js';
import { createWebhook } from './webhook.js';

// Run: DATABASE_URL=postgres://... REDIS_URL=redis://... WEBHOOK_URL=http://... [HOST PORT SEF_PG_SCHEMA SEF_REDIS_PREFIX] pnpm start
const pool = new pg.Pool({ connectionString: process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test' });
const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', redisClientOptions);
await once(redis, 'ready');
const log = (msg: string, fields: Record<string, unknown> = {}) => console.log(JSON.stringify({ msg, ...fields }));
const notify = createWebhook({
  url: process.env['WEBHOOK_URL'] ?? 'http://127.0.0.1:9000/hook',
  onFailure: (error, attempt, willRetry) => log('webhook failed', { error, attempt, willRetry }),
});

const schema = process.env['SEF_PG_SCHEMA'] ?? 'sef';
const keyPrefix = process.env['SEF_REDIS_PREFIX'] ?? 'sef:';
// A simulated cloud, said out loud: for EC2 pass the providers of @sef/adapter-aws and your pools instead.
const cloud = createSimulatedCloud({ clock: systemClock });
const sef = await createBackendSef({ pool, redis, schema, keyPrefix, cloud, pools: simulatedPools() });
reactToEvents(sef, { log, notify });
sef.start();
// The simulated cloud only knows instances it launched: tell it about each agent's running primary.
const onAgentRegistered = (a: AgentRecord) => void cloud.compute.addRunning({ instanceId: a.primaryInstanceId, poolId: a.poolId, agentId: a.id, launchedAt: a.primaryLaunchedAt });
const server = createApp(sef, { log, notify }, { onAgentRegistered });
server.listen(Number(process.env['PORT'] ?? 8080), process.env['HOST'] ?? '127.0.0.1', () => log('listening', { address: server.address() }));

process.once('SIGTERM', () => {
  server.close();
  void sef.stop().then(() => Promise.all([pool.end(), redis.quit()]));
});
