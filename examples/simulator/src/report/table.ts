import type { SimulationReport } from '../simulate.js';
import { interpolatedText } from './interpolated-text.js';

const pad = (cells: readonly string[], widths: readonly number[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');

function grid(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [pad(header, widths), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => pad(r, widths))].join('\n');
}

const hours = (seconds: number) => (seconds / 3600).toFixed(2);
const percent = (share: number) => `${(share * 100).toFixed(1)} %`;

/** The per-policy table and the risk heuristic's table, as printed by `pnpm simulate`. */
export function formatTables(report: SimulationReport): string {
  const { world, run } = report;
  const title = `${world.agents} agents x ${world.days} days, seed ${world.seed}: ${report.worldFacts.crunches} capacity crunches (${report.worldFacts.warnedCrunches} warned), ${report.worldFacts.falseAlarms} false-alarm rebalance episodes`;
  const main = grid(
    ['policy', 'interruptions', 'promoted', 'emergency', 'failed', 'relaunched', 'down p50 s', 'down p99 s', 'down total h', 'all causes h', 'replica h', 'unused', 'cost $', 'vs on-demand', 'interpolated'],
    report.results.map((r) => [
      r.policy,
      String(r.interruptions),
      String(r.failovers.promoted),
      String(r.failovers.emergency),
      String(r.failovers.failed),
      String(r.operatorRecoveries),
      r.downtime.p50.toFixed(1),
      r.downtime.p99.toFixed(1),
      hours(r.downtime.total),
      hours(r.downtime.allCauses),
      r.replicas.hours.toFixed(1),
      String(r.replicas.unused),
      r.cost.total.toFixed(2),
      percent(r.cost.ratio),
      interpolatedText(r),
    ]),
  );
  const auto = report.results.filter((r) => r.threshold !== null);
  const heuristic = grid(
    ['threshold', 'rebalances', 'interruptions warned', 'seen coming', 'replicas for nothing'],
    auto.map((r) => [r.threshold!.toFixed(2), String(r.heuristic.rebalances), String(r.heuristic.warned), String(r.heuristic.seenComing ?? '-'), String(r.heuristic.startedForNothing ?? '-')]),
  );
  const notes = [
    `downtime: per interruption, from the notice until the workload is served again; all causes adds the reroutes of moves made before any notice; "relaunched": workloads an operator relaunched ${run.recoveryMinutes} min after a failed failover.`,
    `interpolated: SEF's interpolated points (and their share of its stored points), for the ${Math.min(run.reportingAgents, world.agents)} agents whose reports are sampled (one per ${run.reportEverySeconds} s).`,
    'seen coming: interruptions whose rebalance recommendation SEF scored at or above the threshold; replicas for nothing: standbys started on a rebalance that ended without being promoted.',
  ];
  return [title, '', main, '', 'risk heuristic (SEF auto):', heuristic, '', ...notes].join('\n') + '\n';
}
