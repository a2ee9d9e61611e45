import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { defaultPolicies, type Policy } from './run/policies.js';
import type { RunOptions } from './run/run-options.js';
import type { WorldOptions } from './world/world-options.js';

export const usage = `pnpm simulate [options]

Plays a fleet of spot workloads over simulated days against several policies, with the real SEF core
on a fake clock and a simulated cloud, and writes a table, JSON and an HTML report with charts. The same
options and seed give the same report, byte for byte.

  --agents N              agents (one workload on one spot instance each)            default 1000
  --days D                simulated days                                            default 30
  --seed S                seed of every random draw                                  default 1
  --thresholds A,B,...    SEF auto's rebalanceRiskThreshold values                   default 0.15,0.30,0.50
  --policies P,...        of auto, manual, notice-only, replace, on-demand           default all
  --out DIR               where table.txt, report.json and report.html go            default examples/simulator/report
  --reporting-agents N    agents whose price reports go through SEF (a sample)       default 50
  --report-every S        seconds between two sampled reports of an agent            default 300
  --reclaim-share X       share of a pool's instances reclaimed in one crunch         default 0.5
  --warned-share X        share of crunches with rebalance recommendations first     default 0.8
  --lead-minutes A,B      rebalance lead before the notice, log-uniform, minutes     default 10,180
  --false-alarms X        rebalance episodes without interruption per crunch         default 1
  --capacity-minutes M    a crunched pool has no spot capacity for this long         default 60
  --sync-seconds S        a running standby syncs this long before it is ready       default 60
  --recovery-minutes M    an operator relaunches a workload after a failed failover  default 15
  --latency-spread X      every cloud latency drawn within +-X of its value          default 0.5
  --workers N             policies played at once, each in a worker thread         default 2 (1 on one CPU)
  --no-progress           no progress bar (it is drawn only on a terminal anyway)
  -h, --help              this text

Every parameter, its default and where the default comes from: examples/simulator/README.md.
`;

export interface CliSettings {
  readonly world: WorldOptions;
  readonly run: RunOptions;
  readonly policies: Policy[];
  readonly out: string | undefined;
  /** Policies played at once (`simulate`'s `workers`). */
  readonly workers: number;
  readonly progress: boolean;
  readonly help: boolean;
}

/** Two threads: the target machine has two cores; one where there is only one. */
export const defaultWorkers = Math.min(2, availableParallelism());

const policyKinds = ['auto', 'manual', 'notice-only', 'replace', 'on-demand'] as const;

/** Reads the command line; throws a `RangeError` naming every bad option. */
export function parseCli(argv: readonly string[]): CliSettings {
  const strings = ['agents', 'days', 'seed', 'thresholds', 'policies', 'out', 'reporting-agents', 'report-every', 'reclaim-share', 'warned-share', 'lead-minutes', 'false-alarms', 'capacity-minutes', 'sync-seconds', 'recovery-minutes', 'latency-spread', 'workers'] as const;
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...Object.fromEntries(strings.map((s) => [s, { type: 'string' as const }])), 'no-progress': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: false,
    });
  } catch (error) {
    throw new RangeError(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  const problems: string[] = [];
  const number = (name: string): number | undefined => {
    const raw = v[name];
    if (raw === undefined) return undefined;
    const x = Number(raw);
    if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(x)) problems.push(`--${name} must be a number (got ${JSON.stringify(raw)})`);
    return x;
  };
  const list = (name: string): number[] | undefined => {
    const raw = v[name];
    if (typeof raw !== 'string') return undefined;
    const xs = raw.split(',').map((s) => Number(s));
    if (raw.trim() === '' || xs.some((x) => !Number.isFinite(x))) problems.push(`--${name} must be numbers separated by commas (got ${JSON.stringify(raw)})`);
    return xs;
  };
  const world: Record<string, unknown> = {
    agents: number('agents'), days: number('days'), seed: number('seed'), reclaimShare: number('reclaim-share'), warnedShare: number('warned-share'),
    rebalanceLeadMinutes: list('lead-minutes'), falseAlarmsPerCrunch: number('false-alarms'), capacityRecoveryMinutes: number('capacity-minutes'),
  };
  const run: Record<string, unknown> = {
    reportingAgents: number('reporting-agents'), reportEverySeconds: number('report-every'), syncSeconds: number('sync-seconds'),
    recoveryMinutes: number('recovery-minutes'), latencySpread: number('latency-spread'),
  };
  const workers = number('workers') ?? defaultWorkers;
  if (!Number.isInteger(workers) || workers < 1) problems.push(`--workers must be a whole number of 1 or more (got ${String(v['workers'])})`);
  const thresholds = list('thresholds');
  if (thresholds?.some((t) => t < 0 || t > 1)) problems.push(`--thresholds must each be from 0 to 1 (got ${String(v['thresholds'])})`);
  let kinds: string[] = [...policyKinds];
  if (typeof v['policies'] === 'string') {
    kinds = v['policies'].split(',').map((s) => s.trim());
    const unknown = kinds.filter((k) => !(policyKinds as readonly string[]).includes(k));
    if (unknown.length > 0 || kinds.length === 0) problems.push(`--policies must name some of ${policyKinds.join(', ')} (unknown: ${unknown.join(', ') || 'none given'})`);
  }
  if (problems.length > 0) throw new RangeError(problems.join('\n'));
  const policies = defaultPolicies(thresholds).filter((p) => kinds.includes(p.kind));
  const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined));
  return {
    world: defined(world) as WorldOptions,
    run: defined(run) as RunOptions,
    policies,
    out: typeof v['out'] === 'string' ? v['out'] : undefined,
    workers,
    progress: v['no-progress'] !== true,
    help: v['help'] === true,
  };
}
