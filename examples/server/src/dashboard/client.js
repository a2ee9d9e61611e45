// SEF dashboard: plain DOM and SVG, refreshed every few seconds from the JSON API.
const $ = (sel) => document.querySelector(sel);
const modes = [
  ['auto_switch_enabled', 'auto-switch'],
  ['auto_terminate_enabled', 'auto-terminate'],
  ['manual_replica_enabled', 'manual-replica'],
];
const flagStyle = {
  single_source: { fill: '#6b7280', shape: 'circle' },
  verified_dual_source: { fill: '#1e7b34', shape: 'circle' },
  averaged_dual_source: { fill: '#7c3aed', shape: 'square' },
  interpolated: { fill: '#fff', stroke: '#ea580c', shape: 'circle' },
};
let selected = null;
let busy = false;

const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
if (fromHash) {
  localStorage.setItem('sef-token', fromHash);
  history.replaceState(null, '', location.pathname);
}
$('#token').value = localStorage.getItem('sef-token') ?? '';
$('#token').addEventListener('change', (e) => {
  localStorage.setItem('sef-token', e.target.value.trim());
  refresh();
});

async function api(method, path) {
  const token = localStorage.getItem('sef-token');
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const res = await fetch(path, { method, headers });
  const body = res.headers.get('content-type')?.includes('json') ? await res.json() : null;
  if (!res.ok) {
    const err = new Error(body?.error?.message ?? `${res.status} ${res.statusText}`);
    err.status = res.status;
    throw err;
  }
  return body;
}

function show(text, kind = 'error') {
  const m = $('#message');
  m.textContent = text;
  m.className = `msg ${kind}`;
  m.dataset.kind = kind;
}

const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c ?? '')));
  return e;
};
const time = (s) => (s == null ? '—' : new Date(s * 1000).toISOString().replace('T', ' ').slice(0, 19));

// The spec's words for a toggle the mode exclusion refuses (the API answers 409 `Manual mode active` / `Auto mode active`).
const refusedToggle = {
  'auto-switch': 'Cannot enable auto-switch while manual mode is active',
  'auto-terminate': 'Cannot enable auto-terminate while manual mode is active',
  'manual-replica': 'Cannot enable manual mode while auto-switch is active',
};

async function toggle(agent, path, on, input) {
  try {
    await api('POST', `/api/agents/${encodeURIComponent(agent)}/${path}/${on ? 'enable' : 'disable'}`);
    show(`${agent}: ${path} ${on ? 'enabled' : 'disabled'}`, 'info');
  } catch (e) {
    input.checked = !on;
    show(`${agent}: ${on && e.status === 409 && refusedToggle[path] ? refusedToggle[path] : e.message}`);
  }
  refresh();
}

async function switchToReplica(agent) {
  try {
    await api('POST', `/api/agents/${encodeURIComponent(agent)}/manual-switch`);
    show(`${agent}: switched to the replica`, 'info');
  } catch (e) {
    show(`${agent}: ${e.message}`);
  }
  refresh();
}

function renderAgents(agents) {
  const tbody = $('#agents tbody');
  tbody.replaceChildren(
    ...agents.map((a) =>
      el('tr', { 'data-agent': a.id, class: a.id === selected ? 'selected' : null },
        el('td', {}, el('a', { href: '#', onclick: (e) => { e.preventDefault(); selected = a.id; refresh(); } }, a.id)),
        el('td', {}, a.pool_id),
        el('td', {}, a.primary_instance_id),
        el('td', {}, a.replica_instance_id ?? '—', ' ', el('span', { class: `status-${a.replica_status}` }, a.replica_status ?? '')),
        ...modes.map(([field, path]) => {
          const input = el('input', { type: 'checkbox', 'data-mode': path, checked: a[field] });
          input.addEventListener('change', () => toggle(a.id, path, input.checked, input));
          return el('td', {}, input);
        }),
        el('td', {}, switchButton(a)),
      ),
    ),
  );
}

/** "Switch to Replica" is enabled only when the switch can succeed: manual mode with a ready standby. */
function switchButton(a) {
  const why = !a.manual_replica_enabled ? 'only in manual replica mode' : a.replica_status !== 'ready' ? `the standby is ${a.replica_status ?? 'not there yet'}` : null;
  return el('button', { 'data-action': 'switch', disabled: why !== null, title: why ?? 'promote the ready standby', onclick: () => switchToReplica(a.id) }, 'Switch to Replica');
}

function renderStatus(s) {
  $('#status-agent').textContent = s ? s.agent_id : '';
  if (!s) return $('#status').replaceChildren('Select an agent.');
  const r = s.replica;
  const risk = s.risk ? `${s.risk.score.toFixed(3)} (history ${s.risk.factors.interruptionHistory.toFixed(2)}, age ${s.risk.factors.instanceAge.toFixed(2)}, volatility ${s.risk.factors.priceVolatility.toFixed(2)})` : 'not scored yet';
  $('#status').replaceChildren(
    el('table', {},
      el('tr', {}, el('th', {}, 'Primary'), el('td', { id: 'primary-instance' }, `${s.primary.instance_id} in ${s.primary.pool_id}`)),
      el('tr', {}, el('th', {}, 'Replica'), el('td', { id: 'replica-status' }, r ? `${r.instance_id ?? r.id} in ${r.pool_id}: ${r.status} (${r.replica_type}), created ${time(r.created_at)}, ready ${time(r.ready_at)}` : 'none')),
      el('tr', {}, el('th', {}, 'Last risk'), el('td', {}, risk)),
      el('tr', {}, el('th', {}, 'Points'), el('td', {}, Object.entries(s.data_quality).map(([k, v]) => `${k} ${v}`).join(', '))),
    ),
  );
}

function renderChart(series, poolId) {
  const svg = $('#chart');
  const pools = series.map((s) => s.pool_id);
  const select = $('#pool');
  if (select.dataset.pools !== pools.join(',')) {
    select.replaceChildren(...pools.map((p) => el('option', { value: p }, p)));
    select.dataset.pools = pools.join(',');
  }
  const chosen = series.find((s) => s.pool_id === poolId) ?? series[0];
  if (chosen) select.value = chosen.pool_id;
  const points = chosen?.points ?? [];
  $('#chart-title').textContent = chosen ? `${selected} · ${chosen.pool_id} · ${points.length} points` : '';
  const ns = 'http://www.w3.org/2000/svg';
  const node = (tag, attrs) => {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    return e;
  };
  const label = (attrs, text) => {
    const t = node('text', { 'font-size': 11, fill: '#6b7280', ...attrs });
    t.textContent = text;
    svg.append(t);
  };
  svg.replaceChildren();
  if (points.length === 0) return label({ x: 20, y: 30, 'font-size': 13 }, 'No stored points yet.');
  const [W, H, P] = [1000, 260, 30];
  const t0 = points[0].timestamp, t1 = points.at(-1).timestamp || t0 + 1;
  const prices = points.map((p) => p.price);
  const lo = Math.min(...prices), hi = Math.max(...prices);
  const x = (t) => P + ((t - t0) / Math.max(1, t1 - t0)) * (W - 2 * P);
  const y = (v) => H - P - ((v - lo) / Math.max(1e-12, hi - lo)) * (H - 2 * P);
  svg.append(node('polyline', { points: points.map((p) => `${x(p.timestamp)},${y(p.price)}`).join(' '), fill: 'none', stroke: '#93a3b8', 'stroke-width': 1.5, class: 'line' }));
  for (const p of points) {
    const st = flagStyle[p.data_quality_flag] ?? flagStyle.single_source;
    const attrs = { class: `pt ${p.data_quality_flag}`, 'data-flag': p.data_quality_flag, fill: st.fill, stroke: st.stroke ?? st.fill, 'stroke-width': 2 };
    const shape = st.shape === 'square'
      ? node('rect', { ...attrs, x: x(p.timestamp) - 4, y: y(p.price) - 4, width: 8, height: 8 })
      : node('circle', { ...attrs, cx: x(p.timestamp), cy: y(p.price), r: 3.5 });
    shape.append(node('title', {}));
    shape.lastChild.textContent = `${time(p.timestamp)} $${p.price} ${p.data_quality_flag}`;
    svg.append(shape);
  }
  label({ x: 2, y: y(hi) - 6 }, `$${hi.toFixed(4)}`);
  label({ x: 2, y: y(lo) + 16 }, `$${lo.toFixed(4)}`);
  label({ x: P, y: H - 6 }, time(t0));
  label({ x: W - P, y: H - 6, 'text-anchor': 'end' }, time(t1));
}

function renderQuality(days) {
  $('#quality tbody').replaceChildren(
    ...days.map((d) => el('tr', {}, el('td', {}, d.date), el('td', {}, d.total), el('td', {}, d.interpolated), el('td', {}, d.averaged), el('td', {}, `${d.pct_interpolated.toFixed(2)} %`), el('td', {}, `${d.total ? ((100 * d.averaged) / d.total).toFixed(2) : '0.00'} %`))),
  );
}

function renderFailovers(stats, statuses) {
  $('#failover-stats').textContent = stats.total_events
    ? `${stats.successful}/${stats.total_events} successful · avg ${stats.avg_response_sec?.toFixed(1)} s · fastest ${stats.fastest_sec?.toFixed(1)} s · slowest ${stats.slowest_sec?.toFixed(1)} s (30 days)`
    : 'No termination notices handled in the last 30 days.';
  const rows = statuses.flatMap((s) => s.failovers.map((f) => ({ ...f, agent: s.agent_id }))).sort((a, b) => b.detected_at - a.detected_at).slice(0, 20);
  $('#failovers tbody').replaceChildren(
    ...rows.map((f) => el('tr', {}, el('td', {}, time(f.detected_at)), el('td', {}, f.agent), el('td', {}, f.signal_type), el('td', {}, f.outcome ?? `running: ${f.steps.at(-1)?.name ?? 'waiting'}`), el('td', {}, time(f.deadline)), el('td', {}, f.response_time_ms == null ? '—' : `${(f.response_time_ms / 1000).toFixed(1)} s`), el('td', {}, f.success == null ? '—' : f.success ? 'yes' : 'NO'))),
  );
}

function renderAlerts(alerts) {
  $('#alerts').replaceChildren(...(alerts.length ? alerts.map((a) => el('li', { 'data-kind': a.kind }, `${time(a.at)} ${a.kind}${a.agent_id ? ` (${a.agent_id})` : ''}: ${a.message}`)) : [el('li', { class: 'muted' }, 'No active alerts.')]));
}

async function refresh() {
  if (busy) return;
  busy = true;
  try {
    const { agents } = await api('GET', '/api/agents');
    if (!selected || !agents.some((a) => a.id === selected)) selected = agents[0]?.id ?? null;
    renderAgents(agents);
    const enc = encodeURIComponent;
    const [alerts, quality, stats, statuses, prices] = await Promise.all([
      api('GET', '/api/alerts'),
      api('GET', '/api/metrics/data-quality?days=7'),
      api('GET', '/api/metrics/failovers?days=30'),
      Promise.all(agents.map((a) => api('GET', `/api/agents/${enc(a.id)}/sef-status`))),
      selected ? api('GET', `/api/agents/${enc(selected)}/prices`) : Promise.resolve({ series: [] }),
    ]);
    renderStatus(statuses.find((s) => s.agent_id === selected));
    renderChart(prices.series, $('#pool').value);
    renderQuality(quality.days);
    renderFailovers(stats, statuses);
    renderAlerts(alerts.alerts);
    $('#conn').textContent = `updated ${new Date().toLocaleTimeString()}`;
    document.body.dataset.loaded = 'true';
  } catch (e) {
    $('#conn').textContent = e.status === 401 || e.status === 403 ? 'enter the admin token' : `error: ${e.message}`;
  } finally {
    busy = false;
  }
}

$('#pool').addEventListener('change', () => { busy = false; refresh(); });
refresh();
setInterval(refresh, 5000);
