// The price chart: uPlot, one line per pool (the agent's own pool first), quality markers drawn over it.
import uPlot from '/vendor/uPlot.esm.js';

const palette = ['#2563eb', '#db2777', '#0d9488', '#ca8a04', '#7c3aed', '#475569', '#ea580c', '#16a34a'];
/** Markers for the points that are not plain single-source reports. */
const markers = {
  verified_dual_source: { fill: '#1e7b34', stroke: '#1e7b34', shape: 'circle' },
  averaged_dual_source: { fill: '#7c3aed', stroke: '#7c3aed', shape: 'square' },
  interpolated: { fill: '#fff', stroke: '#ea580c', shape: 'circle' },
};
const utc = (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC');
const money = (v) => (v == null ? '—' : `$${v.toFixed(4)}`);
const day = (ts) => new Date(ts * 1000).toISOString().slice(0, 10);
/** 24 h UTC tick labels; the date under the first tick and wherever the day changes. */
const timeTicks = (u, splits) =>
  splits.map((ts, i) => {
    const hm = new Date(ts * 1000).toISOString().slice(11, 16);
    return i === 0 || day(ts) !== day(splits[i - 1]) ? `${hm}\n${day(ts)}` : hm;
  });

/**
 * The x values of every series joined (uPlot wants one x array); a gap in a pool's own points longer than
 * twice its usual step gets a null, so that the line breaks there instead of bridging it.
 */
function tables(series) {
  return series.map((s) => {
    const xs = [];
    const ys = [];
    const steps = s.points.slice(1).map((p, i) => p.timestamp - s.points[i].timestamp).sort((a, b) => a - b);
    const usual = steps[Math.floor(steps.length / 2)] ?? Infinity;
    s.points.forEach((p, i) => {
      const prev = s.points[i - 1];
      if (prev && p.timestamp - prev.timestamp > 2 * usual) {
        xs.push((prev.timestamp + p.timestamp) / 2);
        ys.push(null);
      }
      xs.push(p.timestamp);
      ys.push(p.price);
    });
    return [xs, ys];
  });
}

/** Draws each flagged point's marker on the canvas; records how many it drew per flag on the container. */
function drawMarkers(u, series, container) {
  const { ctx } = u;
  const r = 3.5 * uPlot.pxRatio;
  const drawn = {};
  ctx.save();
  ctx.lineWidth = 2 * uPlot.pxRatio;
  series.forEach((s, i) => {
    if (!u.series[i + 1].show) return;
    for (const p of s.points) {
      const m = markers[p.data_quality_flag];
      if (!m) continue;
      const x = u.valToPos(p.timestamp, 'x', true);
      const y = u.valToPos(p.price, 'y', true);
      ctx.fillStyle = m.fill;
      ctx.strokeStyle = m.stroke;
      ctx.beginPath();
      if (m.shape === 'square') ctx.rect(x - r, y - r, 2 * r, 2 * r);
      else ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
      drawn[p.data_quality_flag] = (drawn[p.data_quality_flag] ?? 0) + 1;
    }
  });
  ctx.restore();
  container.dataset.markers = JSON.stringify(drawn);
}

const heightFor = (width) => (width < 600 ? 220 : 300);

/**
 * A chart in `container`: `render(series, ownPool)` draws the stored timelines (the API's `series`), the
 * own pool first and drawn thicker; a new set of pools builds a new chart, new points only update it.
 */
export function priceChart(container) {
  let plot = null;
  let key = '';
  let current = [];
  new ResizeObserver(() => plot?.setSize({ width: container.clientWidth, height: heightFor(container.clientWidth) })).observe(container);

  return function render(series, ownPool) {
    current = [...series].sort((a, b) => (b.pool_id === ownPool) - (a.pool_id === ownPool));
    container.dataset.pools = current.map((s) => s.pool_id).join(',');
    if (current.every((s) => s.points.length === 0)) {
      plot?.destroy();
      plot = null;
      key = '';
      container.replaceChildren(Object.assign(document.createElement('div'), { className: 'empty muted', textContent: 'No stored points yet.' }));
      return;
    }
    const data = uPlot.join(tables(current));
    const nextKey = `${ownPool}|${container.dataset.pools}`;
    if (plot && key === nextKey) return plot.setData(data);
    plot?.destroy();
    container.replaceChildren();
    key = nextKey;
    const width = container.clientWidth;
    plot = new uPlot(
      {
        width,
        height: heightFor(width),
        tzDate: utc,
        cursor: { drag: { x: true, y: false } },
        scales: { x: { time: true } },
        legend: { live: true },
        axes: [
          { stroke: '#4b5563', grid: { stroke: '#e5e7eb', width: 1 }, ticks: { stroke: '#d1d5db' }, space: 70, size: 56, values: timeTicks },
          { stroke: '#4b5563', grid: { stroke: '#e5e7eb', width: 1 }, ticks: { stroke: '#d1d5db' }, size: 70, values: (u, vals) => vals.map((v) => `$${v.toFixed(4)}`) },
        ],
        series: [
          { label: 'Time (UTC)', value: '{YYYY}-{MM}-{DD} {HH}:{mm}' },
          ...current.map((s, i) => ({
            label: s.pool_id === ownPool ? `${s.pool_id} (own pool)` : s.pool_id,
            stroke: palette[i % palette.length],
            width: s.pool_id === ownPool ? 2.5 : 1.25,
            points: { show: false },
            value: (u, v) => money(v),
          })),
        ],
        hooks: { draw: [(u) => drawMarkers(u, current, container)] },
      },
      data,
      container,
    );
  };
}
