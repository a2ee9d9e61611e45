// The policies a worker thread plays (`simulate({ workers })`), one after the other: the world rebuilt from
// its options (a pure function of them, kept while the options stay the same), each policy played and
// summarised, the result posted back with progress.
import { parentPort } from 'node:worker_threads';
import { createWorld, type World } from '../world/world.js';
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

let built: { options: string; world: World } | undefined;
parentPort!.on('message', async (job: PolicyJob) => {
  const options = JSON.stringify(job.world ?? {});
  if (built?.options !== options) built = { options, world: createWorld(job.world) };
  let posted = -1;
  const record = await runPolicy(built.world, job.policy, job.run, (done) => {
    const percent = Math.floor(done * 100);
    if (percent !== posted) parentPort!.postMessage({ progress: (posted = percent) / 100 } satisfies PolicyMessage);
  });
  parentPort!.postMessage({ result: await summarise(record) } satisfies PolicyMessage);
});
