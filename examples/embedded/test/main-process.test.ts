import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { expect, it } from 'vitest';

const postgresUrl = process.env['SEF_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env['SEF_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const skip = (process.env['SEF_TEST_SKIP'] ?? '').split(',');
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

it.skipIf(skip.includes('postgres') || skip.includes('redis'))('main.ts as a process: starts on Postgres and Redis, a notice reaches the webhook, SIGTERM stops it cleanly', async () => {
  const id = `test-${randomUUID()}`;
  const schema = id.replaceAll('-', '_');
  const hooks: unknown[] = [];
  const receiver = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += String(c)));
    req.on('end', () => {
      hooks.push(JSON.parse(text));
      res.writeHead(204).end();
    });
  }).listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  const child = spawn(process.execPath, ['--conditions=@sef/source', '--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: postgresUrl, REDIS_URL: redisUrl, PORT: '0', SEF_PG_SCHEMA: schema, SEF_REDIS_PREFIX: `${id}:`, WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    let port = 0;
    for await (const line of createInterface({ input: child.stdout })) {
      const entry = JSON.parse(line) as { msg: string; address?: AddressInfo };
      if (entry.msg === 'listening') {
        port = entry.address!.port;
        break;
      }
    }
    const post = (path: string, body: unknown) => fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/fleet/agents', { id: 'proc-1', instanceId: 'i-proc1', poolId: 'us-east-1a:c5.large' })).status).toBe(201);
    expect((await post('/fleet/proc-1/notice', { instance: 'i-proc1', kind: 'rebalance' })).status).toBe(200);
    const deadline = Date.now() + 5000;
    while (hooks.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(hooks[0]).toEqual({ kind: 'notice', agentId: 'proc-1', instanceId: 'i-proc1', type: 'rebalance-recommendation' });
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    receiver.close();
    const pool = new pg.Pool({ connectionString: postgresUrl, max: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${id}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
});
