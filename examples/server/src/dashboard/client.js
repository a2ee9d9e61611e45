// SEF dashboard: plain DOM and a uPlot chart, refreshed every few seconds from the JSON API.
import { priceChart } from '/dashboard-chart.js';

const $ = (sel) => document.querySelector(sel);
const renderChart = priceChart($('#chart'));
const modes = [
  ['auto_switch_enabled', 'auto-switch'],
  ['auto_terminate_enabled', 'auto-terminate'],
  ['manual_replica_enabled', 'manual-replica'],
];
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
/** Names each body cell by its column (`data-label`), for the phone layout's cards. */
function labelCells(table) {
  const names = [...table.querySelectorAll('thead th')].map((th) => th.textContent);
  for (const tr of table.querySelectorAll('tbody tr')) [...tr.children].forEach((td, i) => td.colSpan > 1 || td.setAttribute('data-label', names[i] ?? ''));
}
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
        el('td', {}, el('span', {}, a.replica_instance_id ?? '—', ' ', el('span', { class: `status-${a.replica_status}` }, a.replica_status ?? ''))),
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

function renderQuality(days) {
  $('#quality tbody').replaceChildren(
    ...days.map((d) => el('tr', {}, el('td', {}, d.date), el('td', {}, d.total), el('td', {}, d.interpolated), el('td', {}, d.averaged), el('td', {}, `${d.pct_interpolated.toFixed(2)} %`), el('td', {}, `${d.total ? ((100 * d.averaged) / d.total).toFixed(2) : '0.00'} %`))),
  );
}

/** One figure of `/api/metrics/failovers`: successes, then response times. */
function figure(f) {
  if (!f.total_events) return 'none';
  const sec = (v) => (v == null ? '—' : v < 1 ? `${Math.round(v * 1000)} ms` : `${v.toFixed(1)} s`);
  return `${f.successful}/${f.total_events} successful · avg ${sec(f.avg_response_sec)} · fastest ${sec(f.fastest_sec)} · slowest ${sec(f.slowest_sec)}`;
}

function renderFailovers(stats, statuses) {
  $('#failover-stats').replaceChildren(
    el('dt', {}, 'Termination notices (the failovers)'),
    el('dd', { id: 'stats-termination' }, figure(stats.termination_notices)),
    el('dt', {}, "Every interruption event (the spec's query: rebalance recommendations too)"),
    el('dd', { id: 'stats-all' }, figure(stats.all_events)),
  );
  const notices = statuses.flatMap((s) => s.failovers.map((f) => ({
    at: f.detected_at, agent: s.agent_id, signal: f.signal_type, outcome: f.outcome ?? `running: ${f.steps.at(-1)?.name ?? 'waiting'}`,
    deadline: time(f.deadline), ms: f.response_time_ms, success: f.success,
  })));
  const switches = statuses.flatMap((s) => s.manual_switches.map((m) => ({
    at: m.at, agent: s.agent_id, signal: 'manual switch', outcome: m.success ? `promoted ${m.to} (was ${m.from})` : `failed: ${m.error}`, deadline: '—', ms: m.response_time_ms, success: m.success,
  })));
  const rows = [...notices, ...switches].sort((a, b) => b.at - a.at).slice(0, 20);
  $('#failovers tbody').replaceChildren(
    ...(rows.length ? rows.map((f) => el('tr', { 'data-signal': f.signal }, el('td', {}, time(f.at)), el('td', {}, f.agent), el('td', {}, f.signal), el('td', {}, f.outcome), el('td', {}, f.deadline), el('td', {}, f.ms == null ? '—' : f.ms < 1000 ? `${f.ms} ms` : `${(f.ms / 1000).toFixed(1)} s`), el('td', {}, f.success == null ? '—' : f.success ? 'yes' : 'NO'))) : [el('tr', {}, el('td', { colspan: 7, class: 'muted' }, 'No notices or manual switches yet.'))]),
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
    const own = agents.find((a) => a.id === selected)?.pool_id;
    const points = prices.series.reduce((n, s) => n + s.points.length, 0);
    $('#chart-title').textContent = selected ? `${selected} · ${prices.series.length} pool(s) · ${points} points` : '';
    renderChart(prices.series, own);
    renderQuality(quality.days);
    renderFailovers(stats, statuses);
    renderAlerts(alerts.alerts);
    for (const table of document.querySelectorAll('table.cards')) labelCells(table);
    $('#conn').textContent = `updated ${new Date().toLocaleTimeString()}`;
    document.body.dataset.loaded = 'true';
  } catch (e) {
    $('#conn').textContent = e.status === 401 || e.status === 403 ? 'enter the admin token' : `error: ${e.message}`;
  } finally {
    busy = false;
  }
}

refresh();
setInterval(refresh, 5000);
