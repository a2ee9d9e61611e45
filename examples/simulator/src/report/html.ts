import type { SimulationReport } from '../simulate.js';
import { costChart, downtimeChart, frontier, frontierChart } from './charts.js';
import { interpolatedText } from './interpolated-text.js';
import { esc } from './svg.js';

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const h = (seconds: number) => `${(seconds / 3600).toFixed(2)} h`;

function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const th = header.map((c, i) => `<th${i === 0 ? ' class="l"' : ''}>${esc(c)}</th>`).join('');
  const tr = rows.map((r) => `<tr>${r.map((c, i) => `<td${i === 0 ? ' class="l"' : ''}>${esc(String(c))}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`;
}

const style = `body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2733}
main{max-width:960px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 6px}h3{font-size:15px;margin:18px 0 6px}section>h2:first-child{margin-top:0}
.sub{color:#5b6673;margin:0 0 16px}
section{background:#fff;border:1px solid #e1e5ea;border-radius:8px;padding:16px 18px;margin:16px 0;overflow-x:auto}
.how{color:#4a5562;font-size:14px;margin:4px 0 10px;max-width:760px}
.lead{font-size:16px;background:#eef5ff;border-left:4px solid #1b6ac9;padding:10px 14px;border-radius:4px}
table{border-collapse:collapse;font-size:13px;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:5px 6px;white-space:nowrap;border-bottom:1px solid #edf0f3;text-align:right}th{background:#f3f5f8;font-weight:600;white-space:normal;vertical-align:bottom}
.l{text-align:left}svg{max-width:100%;height:auto}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;font-size:13px}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}`;

/** The self-contained HTML report: inline SVG charts and CSS, no script, no external resource. */
export function renderHtml(report: SimulationReport): string {
  const { world, run, results } = report;
  const best = frontier(results);
  const simulated = results.filter((r) => r.kind !== 'on-demand');
  const leastDown = [...simulated].sort((a, b) => a.downtime.allCauses - b.downtime.allCauses || a.cost.ratio - b.cost.ratio)[0];
  const cheapest = [...simulated].sort((a, b) => a.cost.ratio - b.cost.ratio || a.downtime.total - b.downtime.total)[0];
  const lead =
    leastDown && cheapest
      ? `Least downtime: <b>${esc(leastDown.policy)}</b> (${h(leastDown.downtime.allCauses)}, ${leastDown.interruptions} interruptions, ${pct(leastDown.cost.ratio)} of on-demand). ` +
        `Cheapest: <b>${esc(cheapest.policy)}</b> (${pct(cheapest.cost.ratio)} of on-demand, ${h(cheapest.downtime.allCauses)} down). ` +
        `On the frontier (no other policy is both cheaper and less down): ${best.map((r) => esc(r.policy)).join(', ')}.`
      : '';
  // Two tables rather than one of 15 columns, so that each fits the page's width.
  const downtimeRows = results.map((r) => [
    r.policy, r.interruptions, r.failovers.promoted, r.failovers.emergency, r.failovers.failed, r.operatorRecoveries,
    r.downtime.p50.toFixed(1), r.downtime.p99.toFixed(1), h(r.downtime.total), h(r.downtime.allCauses),
  ]);
  const costRows = results.map((r) => [r.policy, r.replicas.hours.toFixed(1), r.replicas.unused, `$${r.cost.total.toFixed(2)}`, pct(r.cost.ratio), interpolatedText(r)]);
  const heuristic = results
    .filter((r) => r.threshold !== null)
    .map((r) => [r.threshold!.toFixed(2), r.heuristic.rebalances, r.heuristic.warned, r.heuristic.seenComing ?? '-', r.heuristic.startedForNothing ?? '-']);
  const params = (o: object) =>
    `<dl>${Object.entries(o)
      .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(k === 'start' ? new Date(v as number).toISOString() : JSON.stringify(v))}</dd>`)
      .join('')}</dl>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>SEF fleet simulation: ${world.agents} agents x ${world.days} days, seed ${world.seed}</title><style>${style}</style></head>
<body><main>
<h1>Which mode and threshold should we run?</h1>
<p class="sub">${world.agents} agents over ${world.days} simulated days, seed ${world.seed}: ${report.worldFacts.crunches} capacity crunches (${report.worldFacts.warnedCrunches} announced by rebalance recommendations), ${report.worldFacts.falseAlarms} false-alarm rebalance episodes. Every policy but on-demand is played through the real SEF core on a fake clock.</p>
<p class="lead">${lead}</p>
<section><h2>Cost against downtime</h2>
<p class="how">Each dot is a policy: further left is cheaper (share of what the same fleet costs on on-demand), lower is less downtime (every interruption's, plus the reroutes of moves made before any notice). The dashed steps join the policies no other beats on both; a policy above and to the right of them costs more for more downtime.</p>
${frontierChart(results)}</section>
<section><h2>Downtime per interruption</h2>
<p class="how">One dot per interruption, from its termination notice until the workload is served again (log scale). A ready standby is promoted in seconds; emergency recovery (snapshot, launch, restore) takes minutes; a failed failover waits for an operator. Black marks: median (p50) and p99.</p>
${downtimeChart(results)}</section>
<section><h2>Cost over time</h2>
<p class="how">What each policy has spent since the start: on-demand is the dashed reference; a standby running all the time (manual) shows as a steeper line; auto only pays for standbys when SEF scores a rebalance as risky.</p>
${costChart(results, world.days)}</section>
<section><h2>Figures</h2>
<h3>Interruptions and downtime</h3>
${table(['policy', 'interruptions', 'promoted', 'emergency', 'failed', 'relaunched', 'down p50 s', 'down p99 s', 'down total', 'all causes'], downtimeRows)}
<p class="how">Down p50 / p99: per interruption, from its notice until the workload is served again. All causes adds the reroutes of moves made before any notice.</p>
<h3>Cost, standbys and price data</h3>
${table(['policy', 'replica hours', 'unused replicas', 'cost', 'vs on-demand', 'interpolated'], costRows)}
<p class="how">Interpolated: SEF's interpolated price points (and their share of its stored points), for the ${Math.min(run.reportingAgents, world.agents)} agents whose reports are sampled (one per ${run.reportEverySeconds} s). Relaunched: workloads an operator relaunched ${run.recoveryMinutes} min after a failed failover.</p></section>
<section><h2>The risk heuristic's quality</h2>
<p class="how">Rebalance recommendations for serving instances; interruptions warned by one; of those, the ones SEF scored at or above its threshold (it saw them coming); and standbys started on a rebalance that ended without being promoted (started for nothing).</p>
${table(['threshold', 'rebalances', 'interruptions warned', 'seen coming', 'replicas for nothing'], heuristic)}</section>
<section><h2>The world</h2>${params(world)}<h2>The fleet and the cloud</h2>${params(run)}</section>
</main></body></html>
`;
}
