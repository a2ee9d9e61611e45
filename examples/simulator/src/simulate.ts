import { runPolicy } from './run/fleet-run.js';
import { startPolicyThread, type PolicyThread } from './run/policy-threads.js';
import { defaultPolicies, policyName, type Policy } from './run/policies.js';
import { resolveRunOptions, type ResolvedRunOptions, type RunOptions } from './run/run-options.js';
import { onDemandResult, summarise, type PolicyResult } from './run/summarise.js';
import { createWorld, type World } from './world/world.js';
import type { ResolvedWorldOptions, WorldOptions } from './world/world-options.js';

export interface SimulationOptions {
  readonly world?: WorldOptions;
  readonly run?: RunOptions;
  /** @default defaultPolicies() */
  readonly policies?: readonly Policy[];
  /**
   * Policies played at once, each in its own worker thread (1: one after the other in this thread). The
   * report is the same, byte for byte, whatever the number (tested).
   * @default 1
   */
  readonly workers?: number;
  /** Progress of the whole simulation in [0, 1], with the policy being played. */
  readonly onProgress?: (done: number, policy: string) => void;
}

/** Everything the report shows: a pure function of the options (no wall time in it). */
export interface SimulationReport {
  readonly world: ResolvedWorldOptions;
  readonly run: ResolvedRunOptions;
  /** Pools per Advisor band, crunches and rebalance episodes of the world. */
  readonly worldFacts: { readonly poolsPerBand: readonly number[]; readonly crunches: number; readonly warnedCrunches: number; readonly falseAlarms: number };
  readonly results: readonly PolicyResult[];
}

/** Plays every policy over one world (`workers` at once) and summarises each. */
export async function simulate(options: SimulationOptions = {}): Promise<SimulationReport> {
  const world: World = createWorld(options.world);
  const run = resolveRunOptions(options.run);
  const policies = options.policies ?? defaultPolicies();
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a whole number of 1 or more (got ${JSON.stringify(workers)})`);
  const results: PolicyResult[] = new Array(policies.length);
  const done = new Array<number>(policies.length).fill(0);
  const progress = (i: number, d: number) => {
    done[i] = d;
    options.onProgress?.(done.reduce((a, b) => a + b, 0) / policies.length, policyName(policies[i]!));
  };
  const play = async (i: number, thread: PolicyThread | undefined) => {
    const policy = policies[i]!;
    if (policy.kind === 'on-demand') results[i] = onDemandResult(world);
    else if (!thread) results[i] = await summarise(await runPolicy(world, policy, run, (d) => progress(i, d)));
    else results[i] = await thread.play({ world: options.world, run, policy }, (d) => progress(i, d));
    progress(i, 1);
  };
  // Each lane plays the next policy when its last one is done: with workers, in a thread of its own.
  let next = 0;
  const lanes = Math.min(workers, policies.filter((p) => p.kind !== 'on-demand').length) || 1;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      const thread = workers > 1 ? startPolicyThread() : undefined;
      try {
        while (next < policies.length) await play(next++, thread);
      } finally {
        await thread?.close();
      }
    }),
  );
  const poolsPerBand = world.options.bands.map((_, b) => world.pools.filter((p) => p.band === b).length);
  return {
    world: world.options,
    run,
    worldFacts: {
      poolsPerBand,
      crunches: world.crunches.length,
      warnedCrunches: world.crunches.filter((c) => c.warned).length,
      falseAlarms: world.events.filter((e) => e.kind === 'rebalance' && e.crunch === null).length,
    },
    results,
  };
}
