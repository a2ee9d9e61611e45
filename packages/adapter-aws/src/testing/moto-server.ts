import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

/** A private moto server (the AWS emulator, `python3 -m moto.server`) on a free loopback port. */
export interface MotoServer {
  /** `http://127.0.0.1:PORT`: pass it as `endpoint` to the EC2 and SQS clients. */
  readonly endpoint: string;
  readonly port: number;
  /** Forgets every resource (moto's `/moto-api/reset`). */
  reset(): Promise<void>;
  /** Kills the server and waits for it to exit. */
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /** Port to listen on; a free one is picked by default. */
  port?: number;
  /** Python interpreter; `SEF_PYTHON` or `python3` by default. */
  python?: string;
  /** How long to wait for the server to answer; 30 s by default. */
  startTimeoutMs?: number;
}

/** Client credentials moto accepts (any are accepted; these make the intent obvious). */
export const motoCredentials = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts moto's server and resolves once it answers. Fails with the server's own output when python3 or
 * moto is missing (CI must not skip the emulator suites silently).
 */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  const port = options.port ?? (await freePort());
  const python = options.python ?? process.env.SEF_PYTHON ?? 'python3';
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  child.once('error', (err) => {
    output += `\n${err.message}`;
    exited = -1;
  });

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    if (exited !== undefined) throw new Error(`moto server exited (${exited}) before answering:\n${output}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto server did not answer on ${endpoint} within the start timeout:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    endpoint,
    port,
    async reset() {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`moto reset failed: ${res.status}`);
    },
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}
