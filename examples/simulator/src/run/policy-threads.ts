import { Worker } from 'node:worker_threads';
import type { PolicyJob, PolicyMessage } from './policy-worker.js';
import type { PolicyResult } from './summarise.js';

const workerUrl = new URL('./policy-worker.mjs', import.meta.url);

/** A worker thread that plays one policy after another (policies are independent: each has its own SEF, clock and cloud). */
export interface PolicyThread {
  play(job: PolicyJob, onProgress: (done: number) => void): Promise<PolicyResult>;
  close(): Promise<void>;
}

/**
 * Starts a thread that runs the TypeScript sources as the CLI does (tsx, `@sef/source`). It loads them once
 * and keeps the world it built, so later policies over the same world start at once.
 */
export function startPolicyThread(): PolicyThread {
  const worker = new Worker(workerUrl, { execArgv: ['--conditions=@sef/source'] });
  let current: { resolve: (r: PolicyResult) => void; reject: (e: unknown) => void; onProgress: (done: number) => void; what: string } | undefined;
  const fail = (error: unknown) => {
    current?.reject(error);
    current = undefined;
  };
  worker.on('message', (m: PolicyMessage) => {
    if ('result' in m) {
      current?.resolve(m.result);
      current = undefined;
    } else current?.onProgress(m.progress);
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`The worker playing ${current?.what ?? 'nothing'} exited with code ${code} and no result`)));
  return {
    play(job, onProgress) {
      if (current) return Promise.reject(new Error('A policy thread plays one policy at a time'));
      return new Promise((resolve, reject) => {
        current = { resolve, reject, onProgress, what: JSON.stringify(job.policy) };
        worker.postMessage(job);
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}
