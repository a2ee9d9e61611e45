import type { PolicyResult } from '../run/summarise.js';
import { esc, linear, log10, n, palette, svgOpen, ticks, xAxis, yAxis, type Box } from './svg.js';

const colourOf = (results: readonly PolicyResult[], r: PolicyResult) => palette[results.indexOf(r) % palette.length]!;

/** Policies no other policy beats on both cost and downtime (all causes), cheapest first. */
export function frontier(results: readonly PolicyResult[]): PolicyResult[] {
  const sorted = [...results].sort((a, b) => a.cost.ratio - b.cost.ratio || a.downtime.allCauses - b.downtime.allCauses);
  const out: PolicyResult[] = [];
  for (const r of sorted) if (out.length === 0 || r.downtime.allCauses < out.at(-1)!.downtime.allCauses) out.push(r);
  return out;
}

/** Label positions near `ys`, pushed apart to at least `gap` px and kept at or above `maxY`, in the order given. */
export function spreadLabels(ys: readonly number[], gap: number, maxY = Infinity): number[] {
  const order = ys.map((y, i) => ({ y, i })).sort((a, b) => a.y - b.y || a.i - b.i);
  const placed: number[] = [];
  let last = -Infinity;
  for (const { y } of order) placed.push((last = Math.max(y, last + gap)));
  // Labels pushed past the bottom move back up, still `gap` apart.
  let limit = maxY;
  for (let k = placed.length - 1; k >= 0; k--) {
    placed[k] = Math.min(placed[k]!, limit);
    limit = placed[k]! - gap;
  }
  const out = new Array<number>(ys.length);
  order.forEach(({ i }, k) => (out[i] = placed[k]!));
  return out;
}

/** Scatter of cost (share of on-demand) against total downtime, the frontier drawn as a step line. */
export function frontierChart(results: readonly PolicyResult[]): string {
  const box: Box = { width: 720, height: 380, left: 70, right: 150, top: 20, bottom: 46 };
  const maxSeconds = Math.max(...results.map((r) => r.downtime.allCauses));
  const unit = maxSeconds >= 7200 ? { s: 3600, name: 'hours', short: 'h' } : { s: 60, name: 'minutes', short: 'min' };
  const down = (r: PolicyResult) => r.downtime.allCauses / unit.s;
  const maxCost = Math.max(1, ...results.map((r) => r.cost.ratio)) * 1.05;
  const maxDown = Math.max(1, ...results.map(down)) * 1.12;
  const x = linear(0, maxCost, box.left, box.width - box.right);
  const y = linear(0, maxDown, box.height - box.bottom, box.top);
  const best = frontier(results);
  const path = best.map((r, i) => (i === 0 ? `M${n(x(r.cost.ratio))} ${n(y(down(r)))}` : `H${n(x(r.cost.ratio))} V${n(y(down(r)))}`));
  const labelYs = spreadLabels(results.map((r) => y(down(r)) + 4), 14, box.height - box.bottom - 4);
  const dots = results.map((r, i) => {
    const px = x(r.cost.ratio);
    const py = y(down(r));
    const onFrontier = best.includes(r);
    const ly = labelYs[i]!;
    const leader = Math.abs(ly - 4 - py) > 3 ? `<line x1="${n(px + 6)}" y1="${n(py)}" x2="${n(px + 22)}" y2="${n(ly - 4)}" stroke="#b5bdc6"/>` : '';
    return `<g><title>${esc(`${r.policy}: ${(r.cost.ratio * 100).toFixed(1)} % of on-demand, ${down(r).toFixed(2)} ${unit.short} down (${r.interruptions} interruptions)`)}</title><circle cx="${n(px)}" cy="${n(py)}" r="${onFrontier ? 7 : 5}" fill="${colourOf(results, r)}" stroke="#fff" stroke-width="1.5"/>${leader}<text x="${n(px + 24)}" y="${n(ly)}" fill="#222"${onFrontier ? ' font-weight="600"' : ''}>${esc(r.policy)}</text></g>`;
  });
  return [
    svgOpen(box, 'Cost against downtime per policy'),
    yAxis(box, ticks(0, maxDown), y, (v) => `${v} ${unit.short}`, `downtime, ${unit.name} (interruptions and moves)`),
    xAxis(box, ticks(0, maxCost), x, (v) => `${Math.round(v * 100)} %`, 'cost, share of the same fleet on on-demand'),
    path.length > 1 ? `<path d="${path.join(' ')}" fill="none" stroke="#9aa5b1" stroke-width="2" stroke-dasharray="5 4"/>` : '',
    ...dots,
    '</svg>',
  ].join('');
}

/** Each interruption's downtime as a dot on a log scale, one row per policy, with p50 and p99 marks. */
export function downtimeChart(results: readonly PolicyResult[]): string {
  const rows = results.filter((r) => r.kind !== 'on-demand');
  const rowHeight = 42;
  const box: Box = { width: 720, height: 40 + rows.length * rowHeight + 46, left: 110, right: 20, top: 20, bottom: 46 };
  const max = Math.max(10, ...rows.flatMap((r) => r.downtime.perInterruption));
  const hi = 10 ** Math.ceil(Math.log10(max));
  const x = log10(1, hi, box.left, box.width - box.right);
  const decades = Array.from({ length: Math.round(Math.log10(hi)) + 1 }, (_, i) => 10 ** i);
  const format = (v: number) => (v === 1 ? '≤1 s' : v < 3600 ? `${v} s` : `${(v / 3600).toFixed(1)} h`);
  const body = rows.map((r, i) => {
    const cy = box.top + 10 + i * rowHeight + rowHeight / 2;
    const colour = colourOf(results, r);
    const dots = r.downtime.perInterruption.map((d, k) => {
      // A fixed spread inside the row (golden-ratio sequence), so that equal values stay visible.
      const dy = (((k * 0.618033988749895) % 1) - 0.5) * (rowHeight - 16);
      return `<circle cx="${n(x(d))}" cy="${n(cy + dy)}" r="2.6" fill="${colour}" fill-opacity="0.55"/>`;
    });
    const mark = (v: number, label: string, above: boolean) =>
      `<line x1="${n(x(v))}" x2="${n(x(v))}" y1="${n(cy - rowHeight / 2 + 4)}" y2="${n(cy + rowHeight / 2 - 4)}" stroke="#222" stroke-width="2"/><text x="${n(x(v) + 3)}" y="${n(above ? cy - rowHeight / 2 + 12 : cy + rowHeight / 2 - 5)}" font-size="10" fill="#222">${label}</text>`;
    const marks = r.interruptions > 0 ? mark(r.downtime.p50, 'p50', true) + mark(r.downtime.p99, 'p99', false) : `<text x="${box.left + 8}" y="${n(cy + 4)}" fill="#777">no interruption</text>`;
    return `<text x="${box.left - 8}" y="${n(cy + 4)}" text-anchor="end" fill="#222">${esc(r.policy)}</text><line x1="${box.left}" x2="${box.width - box.right}" y1="${n(cy + rowHeight / 2)}" y2="${n(cy + rowHeight / 2)}" stroke="#f0f2f4"/>${dots.join('')}${marks}`;
  });
  return [svgOpen(box, 'Downtime per interruption, per policy'), xAxis(box, decades, x, format, 'downtime per interruption (log scale): notice until served again'), ...body, '</svg>'].join('');
}

/** Cumulative cost over the simulated days, one line per policy. */
export function costChart(results: readonly PolicyResult[], days: number): string {
  const box: Box = { width: 720, height: 360, left: 80, right: 20, top: 20, bottom: 46 };
  const max = Math.max(1, ...results.map((r) => r.cost.cumulativeHourly.at(-1) ?? 0)) * 1.05;
  const x = linear(0, days, box.left, box.width - box.right);
  const y = linear(0, max, box.height - box.bottom, box.top);
  const lines = results.map((r) => {
    const hourly = r.cost.cumulativeHourly;
    const every = Math.max(1, Math.ceil(hourly.length / 240));
    const points = [`${n(x(0))} ${n(y(0))}`];
    for (let h = every - 1; h < hourly.length; h += every) points.push(`${n(x((h + 1) / 24))} ${n(y(hourly[h]!))}`);
    if ((hourly.length - 1) % every !== every - 1 && hourly.length > 0) points.push(`${n(x(hourly.length / 24))} ${n(y(hourly.at(-1)!))}`);
    return `<polyline points="${points.join(' ')}" fill="none" stroke="${colourOf(results, r)}" stroke-width="2"${r.kind === 'on-demand' ? ' stroke-dasharray="6 4"' : ''}><title>${esc(`${r.policy}: $${r.cost.total.toFixed(2)}`)}</title></polyline>`;
  });
  const legend = results.map(
    (r, i) => `<rect x="${box.left + 10}" y="${box.top + 6 + i * 17}" width="12" height="3" fill="${colourOf(results, r)}"/><text x="${box.left + 28}" y="${box.top + 11 + i * 17}" fill="#222">${esc(`${r.policy}  $${r.cost.total.toFixed(0)}`)}</text>`,
  );
  return [
    svgOpen(box, 'Cumulative cost over time per policy'),
    yAxis(box, ticks(0, max), y, (v) => `$${v.toLocaleString('en-US')}`, 'cumulative cost, USD'),
    xAxis(box, ticks(0, days, Math.min(10, days)), x, (v) => `${v}`, 'simulated day'),
    ...lines,
    `<rect x="${box.left + 4}" y="${box.top}" width="190" height="${results.length * 17 + 10}" fill="#fff" fill-opacity="0.85"/>`,
    ...legend,
    '</svg>',
  ].join('');
}
