import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A redis-server of this test's own, on a free port, that the test may kill (never the shared one). */
export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** Starts (or restarts, on the same port and data directory) the server; resolves once it answers. */
  start(): Promise<void>;
  /** Sends `signal` to the server's own pid (SIGKILL: it dies without a word to its clients). */
  signal(signal: NodeJS.Signals): void;
  /** Kills the server if it runs and removes its directory. */
  destroy(): void;
}

/** A free loopback port (asked of the OS, then released). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

const answers = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });

/**
 * Creates a private Redis with an fsync-always AOF, so that what it acknowledged survives a kill -9
 * and a restart (the deployment the queue's durability promise assumes); with `persistence: false`, a
 * Redis like the README's (no AOF, no snapshots) that comes back empty after a restart.
 */
export async function createPrivateRedis(options: { persistence?: boolean } = {}): Promise<PrivateRedis> {
  const persistence = options.persistence ?? true ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const dir = mkdtempSync(join(tmpdir(), 'sef-redis-'));
  const port = await freePort();
  const pidFile = join(dir, 'redis.pid');
  let pid: number | undefined;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      execFileSync('redis-server', [
        '--port', String(port), '--bind', '127.0.0.1', '--daemonize', 'yes', '--pidfile', pidFile, '--dir', dir,
        '--logfile', join(dir, 'redis.log'), '--save', '', ...persistence,
      ]);
      for (let i = 0; i < 200 && !(await answers(port)); i++) await new Promise((r) => setTimeout(r, 25));
      pid = Number(readFileSync(pidFile, 'utf8').trim());
    },
    signal(signal) {
      if (pid !== undefined) process.kill(pid, signal);
      if (signal === 'SIGKILL') pid = undefined;
    },
    destroy() {
      try {
        if (pid !== undefined) process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
