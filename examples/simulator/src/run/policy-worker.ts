// One policy played in a worker thread (`simulate({ workers })`): the world rebuilt from its options (it is
// a pure function of them), the policy played and summarised, the result posted back with progress.
import { parentPort, workerData } from 'node:worker_threads';
import { createWorld } from '../world/world.js';
import type { WorldOptions } from '../world/world-options.js';
import { runPolicy } from './fleet-run.js';
import type { Policy } from './policies.js';
import type { ResolvedRunOptions } from './run-options.js';
import { summarise } from './summarise.js';

export interface PolicyJob {
  readonly world: WorldOptions | undefined;
  readonly run: ResolvedRunOptions;
  readonly policy: Exclude<Policy, { kind: 'on-demand' }>;
}
export type PolicyMessage = { readonly progress: number } | { readonly result: Awaited<ReturnType<typeof summarise>> };

const job = workerData as PolicyJob;
let posted = -1;
const record = await runPolicy(createWorld(job.world), job.policy, job.run, (done) => {
  const percent = Math.floor(done * 100);
  if (percent !== posted) parentPort!.postMessage({ progress: (posted = percent) / 100 } satisfies PolicyMessage);
});
parentPort!.postMessage({ result: await summarise(record) } satisfies PolicyMessage);
