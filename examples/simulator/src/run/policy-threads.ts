import { Worker } from 'node:worker_threads';
import type { PolicyJob, PolicyMessage } from './policy-worker.js';
import type { PolicyResult } from './summarise.js';

const workerUrl = new URL('./policy-worker.mjs', import.meta.url);

/**
 * Plays one policy in its own worker thread (policies are independent: each has its own SEF, clock and
 * cloud over the same world). The thread runs the TypeScript sources as the CLI does (tsx, `@sef/source`).
 */
export function playInThread(job: PolicyJob, onProgress: (done: number) => void): Promise<PolicyResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl, { workerData: job, execArgv: ['--conditions=@sef/source'] });
    let result: PolicyResult | undefined;
    worker.on('message', (m: PolicyMessage) => {
      if ('result' in m) result = m.result;
      else onProgress(m.progress);
    });
    worker.on('error', reject);
    worker.on('exit', (code) => (result ? resolve(result) : reject(new Error(`The worker playing ${JSON.stringify(job.policy)} exited with code ${code} and no result`))));
  });
}
