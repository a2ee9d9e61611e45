import { spawn, type ChildProcess } from 'node:child_process';

/** Starts a fixture in its own Node process, running its TypeScript sources through tsx. */
export function startFixture(file: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--conditions=@sef/source', '--import', 'tsx', file], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs a fixture to its end and resolves with its stdout; a non-zero exit rejects with its stderr. */
export function runFixture(file: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = startFixture(file, env);
    let out = '';
    let err = '';
    p.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${file} exited with ${code}: ${err}`))));
  });
}
