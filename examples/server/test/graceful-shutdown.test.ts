import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gridTime } from './support/harness.js';

const serverDir = fileURLToPath(new URL('..', import.meta.url));

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

async function waitUp(base: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not start');
}

describe('graceful shutdown', () => {
  it('SIGTERM during a pricing request: the request completes (202), then the process exits 0', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, ['--conditions=@sef/source', '--import', 'tsx', 'src/main.ts'], {
      cwd: serverDir,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', SEF_ADMIN_TOKEN: 'admin-test', SEF_SIMULATE: 'cloud', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitUp(base);
      const reg = await fetch(`${base}/api/agents`, {
        method: 'POST',
        headers: { authorization: 'Bearer admin-test', 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'a1', instanceId: 'i-1', poolId: 'us-east-1a:c5.large' }),
      });
      const { token } = (await reg.json()) as { token: string };
      const t0 = gridTime(20);
      const body = Buffer.from(JSON.stringify({ reports: Array.from({ length: 5000 }, (_, i) => ({ instanceId: 'i-1', poolId: 'us-east-1a:c5.large', timestamp: t0 + i * 10, price: 0.05 })) }));

      // Half the body is sent, then SIGTERM, then the rest: the request is in flight while the server closes.
      const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(`${base}/api/agents/a1/pricing`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
        req.write(body.subarray(0, body.length / 2));
        setTimeout(() => {
          child.kill('SIGTERM');
          setTimeout(() => req.end(body.subarray(body.length / 2)), 300);
        }, 200);
      });
      const res = await response;
      expect(res.status).toBe(202);
      expect(JSON.parse(res.body)).toMatchObject({ accepted: 5000, rejected: [] });
      expect(await exited).toBe(0);
      expect(out).toContain('SIGTERM: shutting down');
      expect(out).toContain('shutdown complete');
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
