import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../../packages/adapter-redis/test/private-redis.js';

/** A PostgreSQL cluster of this test's own, on a free port, that the test may stop or freeze (never the shared one). */
export interface PrivatePostgres {
  readonly port: number;
  readonly url: string;
  /** Starts (or restarts) the cluster; resolves once it accepts connections. */
  start(): void;
  /** Stops it at once (`pg_ctl stop -m immediate`: no checkpoint, clients cut off). */
  stop(): void;
  /** SIGSTOP (`freeze`) or SIGCONT (`thaw`) to the postmaster and every backend: connections stay open and nothing answers. */
  freeze(): void;
  thaw(): void;
  /** Stops it if it runs and removes its directory. */
  destroy(): void;
}

/** Runs a PostgreSQL binary as the `postgres` user (initdb refuses root). */
const asPostgres = (args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', ...args], { stdio: 'pipe' });

/**
 * Creates a private cluster (`initdb -A trust`, run as user postgres) in a temporary directory. Not
 * started: call `start()`. Trust authentication on 127.0.0.1 only; `destroy()` in `afterAll`.
 */
export async function createPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'sef-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const port = await freePort();
  asPostgres(['initdb', '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const pids = (): number[] => {
    const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => n > 0);
    return [postmaster, ...children];
  };
  let running = false;
  const cluster: PrivatePostgres = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start() {
      asPostgres(['pg_ctl', '-D', data, '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
      running = true;
    },
    stop() {
      asPostgres(['pg_ctl', '-D', data, '-m', 'immediate', '-w', 'stop']);
      running = false;
    },
    freeze() {
      for (const pid of pids()) process.kill(pid, 'SIGSTOP');
    },
    thaw() {
      for (const pid of pids()) process.kill(pid, 'SIGCONT');
    },
    destroy() {
      if (running) {
        try {
          cluster.thaw();
          cluster.stop();
        } catch {
          // already gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}
