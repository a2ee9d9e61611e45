import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../../packages/adapter-redis/test/private-redis.js';

/** A Postgres cluster of this test's own, on a free loopback port, that the test may stop or freeze. */
export interface PrivatePostgres {
  readonly port: number;
  readonly url: string;
  /** Starts (or restarts) the cluster; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it at once (`pg_ctl stop -m immediate`): every connection is dropped. */
  stop(): void;
  /** SIGSTOP / SIGCONT to the postmaster and every backend: a frozen server keeps its sockets open and answers nothing. */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void;
  /** Stops it if it runs (thawing it first) and removes its directory. */
  destroy(): void;
}

/** Postgres refuses to run as root: as root, run its tools as the `postgres` user. */
function asPostgres(): { uid?: number; gid?: number } {
  if (userInfo().uid !== 0) return {};
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error('running as root, but there is no postgres user to run initdb as');
  return { uid: Number(uid), gid: Number(gid) };
}

/** The pids whose parent is `pid` (a postmaster's backends and workers), from /proc. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command may hold spaces and parentheses: the fields after its last ')' are fixed.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Creates (initdb, trust auth) a private cluster; `start()` runs it. About a second on an idle machine. */
export async function createPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'sef-pg-'));
  const data = join(dir, 'data');
  const user = asPostgres();
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid!);
  execFileSync('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'], { ...user, stdio: 'ignore' });
  const port = await freePort();
  const postmasterPid = (): number | undefined => {
    try {
      return Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return undefined;
    }
  };
  const pgCtl = (...args: string[]) => execFileSync('pg_ctl', ['-D', data, ...args], { ...user, stdio: 'ignore', timeout: 30_000 });
  let frozen = false;
  const self: PrivatePostgres = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      pgCtl('-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`, '-l', join(dir, 'log'), '-w', 'start');
    },
    stop() {
      if (frozen) self.signal('SIGCONT');
      if (postmasterPid() !== undefined) pgCtl('-m', 'immediate', '-w', 'stop');
    },
    signal(signal) {
      const pid = postmasterPid();
      if (pid === undefined) return;
      for (const p of [pid, ...childrenOf(pid)]) {
        try {
          process.kill(p, signal);
        } catch {
          // exited meanwhile
        }
      }
      frozen = signal === 'SIGSTOP';
    },
    destroy() {
      try {
        self.stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return self;
}
