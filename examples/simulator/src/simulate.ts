import { runPolicy } from './run/fleet-run.js';
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

/** Plays every policy over one world, one after the other, and summarises each. */
export async function simulate(options: SimulationOptions = {}): Promise<SimulationReport> {
  const world: World = createWorld(options.world);
  const run = resolveRunOptions(options.run);
  const policies = options.policies ?? defaultPolicies();
  const results: PolicyResult[] = [];
  for (const [i, policy] of policies.entries()) {
    const name = policyName(policy);
    const progress = (done: number) => options.onProgress?.((i + done) / policies.length, name);
    if (policy.kind === 'on-demand') {
      results.push(onDemandResult(world));
      progress(1);
      continue;
    }
    results.push(await summarise(await runPolicy(world, policy, run, progress)));
  }
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
