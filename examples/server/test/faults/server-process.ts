import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

/** A SEF server in its own Node process (so that it can be killed with SIGKILL), on loopback. */
export interface ServerProcess {
  readonly url: string;
  /** Resolves once `/healthz` answers (at most `timeoutMs`). */
  ready(timeoutMs?: number): Promise<void>;
  /** kill -9: the process dies at once, whatever it was doing. */
  kill9(): Promise<void>;
  /** SIGTERM, then SIGKILL if it has not exited after 5 s. */
  stop(): Promise<void>;
  /** Sends a signal to the process (SIGSTOP freezes it, SIGCONT lets it go on). */
  signal(signal: NodeJS.Signals): void;
  /** Whether the process has exited. */
  readonly exited: boolean;
  /** What the process wrote to stderr (for a failure message). */
  stderr(): string;
}

/** Starts `examples/server/src/main.ts` with `env` on `port`. */
export function startServerProcess(port: number, env: Readonly<Record<string, string>>): ServerProcess {
  const child: ChildProcess = spawn(process.execPath, ['--conditions=@sef/source', '--import', 'tsx', main], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    async ready(timeoutMs = 60_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${err}`);
        try {
          if ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok) return;
        } catch {
          // not listening yet
        }
        if (Date.now() > until) throw new Error(`server not ready after ${timeoutMs} ms: ${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
    signal(signal) {
      child.kill(signal);
    },
    get exited() {
      return child.exitCode !== null || child.signalCode !== null;
    },
    stderr: () => err,
  };
}
