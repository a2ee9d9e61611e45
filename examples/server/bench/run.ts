// `pnpm bench`: end-to-end ingest over HTTP on loopback with the server on Postgres + Redis (the service
// URLs given, SEF_TEST_POSTGRES_URL / SEF_TEST_REDIS_URL, database number honoured), agents with a replica
// (twins through the dedupe buffer), the server's rate limit on, beside a bare Fastify route parsing the
// same bodies and `psql \copy` of the same rows, interleaved, BENCH_ROUNDS (3) rounds, min / median / max.
// SEF's rate counts until every acknowledged report is stored (the queue and the buffer empty), not only
// to the 202. Then bytes per report waiting in Redis (MEMORY USAGE of SEF's keys) and the server's heap.
// BENCH_PROFILE=<dir> writes a CPU profile of the server.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import pg from 'pg';
import { migrate } from '@sef/adapter-postgres';
import { bodies, type BenchAgent, type Body } from './traffic.js';

const duration = Number(process.env['BENCH_DURATION'] ?? 10);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 8);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
const perRun = Number(process.env['BENCH_AGENTS'] ?? 8);
const pgUrl = process.env['SEF_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env['SEF_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const tag = `bench_${process.pid}_${Date.now()}`;
const prefix = `${tag}:`;
// Two SEF runs per round, each on agents of its own (fresh series), and one group for the memory figure.
const groups = rounds * 2 + 1;

const child = spawn(process.execPath, [...(process.env['BENCH_PROFILE'] ? ['--cpu-prof', '--cpu-prof-dir', process.env['BENCH_PROFILE']] : []), '--expose-gc', '--conditions=@sef/source', '--import', 'tsx', fileURLToPath(new URL('./serve.ts', import.meta.url))], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, LOG_LEVEL: 'warn', DATABASE_URL: pgUrl, SEF_PG_SCHEMA: tag, REDIS_URL: redisUrl, SEF_REDIS_PREFIX: prefix, SEF_SIM_LATENCY: 'zero', BENCH_AGENTS: String(perRun * groups) },
});
console.error('starting the server…');
const server = JSON.parse(
  await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  }),
) as { port: number; agents: BenchAgent[] };
const base = `http://127.0.0.1:${server.port}`;
const group = (g: number) => server.agents.slice(g * perRun, (g + 1) * perRun);
// 17 h ago: late reports reach 6 h further back, within the 24 h a report may be old.
const startSec = Math.floor((Date.now() / 1000 - 17 * 3600) / 60) * 60;
const pool = new pg.Pool({ connectionString: pgUrl, max: 2 });
const redis = new Redis(redisUrl);
const dir = mkdtempSync(join(tmpdir(), 'sef-server-bench-'));

interface Run { reportsPerSec: number; rowsPerSec: number; p99: number; non202: number; reports: number; late: number; rows: string[] }

const state = async (gc = false) => (await (await fetch(`${base}/bench/state${gc ? '?gc=1' : ''}`)).json()) as { stats: { queued: number; buffered: number }; memory: NodeJS.MemoryUsage };

/** autocannon over a body stream; counts what was answered `okStatus`. */
async function load(url: (b: Body) => string, stream: ReturnType<typeof bodies>, okStatus: number) {
  const next = stream.next;
  const acked = { reports: 0, late: 0, rows: [] as string[] };
  let non = 0;
  const r = await autocannon({
    url: base,
    connections,
    duration,
    requests: [
      {
        method: 'POST',
        setupRequest: (req, context: object) => {
          const b = next();
          (context as { body?: Body }).body = b;
          return { ...req, path: url(b), body: b.json, headers: { 'content-type': 'application/json', authorization: `Bearer ${b.agent.token}` } };
        },
        onResponse: (status: number, _body: string, context: object) => {
          const b = (context as { body: Body }).body;
          if (status !== okStatus) return void non++;
          acked.reports += b.reports;
          acked.late += b.late;
          for (const row of b.rows) acked.rows.push(row);
        },
      },
    ],
  });
  // The replicas owed for primaries sent: else those wait out the twin window.
  for (const b of stream.pending()) {
    const res = await fetch(`${base}${url(b)}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${b.agent.token}` }, body: b.json });
    if (res.status !== okStatus) non++;
    else acked.reports += b.reports;
  }
  return { r, acked, non: non + r.errors };
}

async function sef(g: number, late: boolean): Promise<Run> {
  const t0 = performance.now();
  const { r, acked, non } = await load((b) => `/api/agents/${b.agent.id}/pricing`, bodies(group(g), startSec, late), 202);
  // Stored, not only queued: wait for the queue and the buffer to empty (bounded).
  for (const until = Date.now() + 120_000; ; await new Promise((res) => setTimeout(res, 100))) {
    const s = (await state()).stats;
    if (s.queued === 0 && s.buffered === 0) break;
    if (Date.now() > until) throw new Error(`not stored after 120 s: ${JSON.stringify(s)}`);
  }
  const sec = (performance.now() - t0) / 1000;
  return { reportsPerSec: acked.reports / sec, rowsPerSec: acked.rows.length / sec, p99: r.latency.p99, non202: non, reports: acked.reports, late: acked.late, rows: acked.rows };
}

async function bare(g: number): Promise<{ rate: number; p99: number }> {
  const { r, acked } = await load(() => '/bench/noop', bodies(group(g), startSec, false), 200);
  return { rate: acked.reports / r.duration, p99: r.latency.p99 };
}

async function copy(rows: readonly string[], round: number): Promise<number> {
  const schema = `${tag}_copy${round}`;
  await migrate(pool, { schema });
  const csv = join(dir, `rows${round}.csv`);
  writeFileSync(csv, rows.map((r) => `${r},single_source,smart_emergency_fallback,primary,${r.slice(r.lastIndexOf(',') + 1)},,\n`).join(''));
  const columns = 'agent_id, pool_id, "timestamp", price, data_quality_flag, processed_by, source, primary_price, replica_price, replica_timestamp';
  const t0 = performance.now();
  execFileSync('psql', [pgUrl, '-v', 'ON_ERROR_STOP=1', '-qc', `\\copy ${schema}.pricing_reports (${columns}) FROM '${csv}' CSV`]);
  const sec = (performance.now() - t0) / 1000;
  await pool.query(`DROP SCHEMA ${schema} CASCADE`);
  return rows.length / sec;
}

/** Bytes of SEF's Redis keys (MEMORY USAGE over a SCAN of its prefix), in all and by kind (the key without ids). */
async function redisBytes(): Promise<{ total: number; byKind: Map<string, number> }> {
  const byKind = new Map<string, number>();
  let total = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const k of keys) {
      const n = (await redis.memory('USAGE', k, 'SAMPLES', '0')) ?? 0;
      total += n;
      const kind = k.slice(prefix.length).replace(/bench-\d+/g, '*').replace(/[0-9a-f]{8,}/g, '#');
      byKind.set(kind, (byKind.get(kind) ?? 0) + n);
    }
  } while (cursor !== '0');
  return { total, byKind };
}

const spread = (xs: readonly number[], show: (n: number) => string) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${show(s[0]!)} / ${show(s[Math.floor(s.length / 2)]!)} / ${show(s.at(-1)!)}`;
};
const k = (n: number) => `${(n / 1000).toFixed(1)}k`;
const x = (n: number) => n.toFixed(2);

try {
  const figures = { bare: [] as number[], bareP99: [] as number[], copy: [] as number[], order: [] as Run[], late: [] as Run[], ratio: [] as number[], lateRatio: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    const b = await bare(2 * round);
    figures.bare.push(b.rate);
    figures.bareP99.push(b.p99);
    const order = await sef(2 * round, false);
    const late = await sef(2 * round + 1, true);
    const copyRate = await copy(order.rows, round);
    figures.copy.push(copyRate);
    figures.order.push(order);
    figures.late.push(late);
    figures.ratio.push(order.rowsPerSec / copyRate);
    figures.lateRatio.push(late.rowsPerSec / copyRate);
    console.error(`round ${round + 1}: bare ${k(figures.bare.at(-1)!)} reports/s, SEF ${k(order.reportsPerSec)} (${order.non202} non-202), late ${k(late.reportsPerSec)} (${late.late} late of ${late.reports}), \\copy ${k(copyRate)} rows/s`);
  }
  // Reports waiting for a twin: primaries of the last group, whose replicas never report.
  const waiting = group(groups - 1);
  const settled = await state(true);
  const before = { redis: await redisBytes(), heap: settled.memory.heapUsed, buffered: settled.stats.buffered };
  const stream = bodies(waiting, startSec, false);
  let sent = 0;
  for (let i = 0; i < waiting.length * 10; i++) {
    const b = stream.next();
    if (b.role === 'replica') continue;
    const res = await fetch(`${base}/api/agents/${b.agent.id}/pricing`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${b.agent.token}` }, body: b.json });
    if (res.status === 202) sent += b.reports;
  }
  for (const until = Date.now() + 60_000; Date.now() < until && (await state()).stats.queued > 0; ) await new Promise((res) => setTimeout(res, 100));
  const after = { redis: await redisBytes(), state: await state(true) };
  const buffered = after.state.stats.buffered - before.buffered;

  console.log(`\nSEF server benchmark: Postgres + Redis, ${perRun} agents with replicas per run, rate limit on, ${connections} connections, ${duration} s per run, ${rounds} rounds (min / median / max)\n`);
  console.log('| what | figure | ratio to \\copy (target) |');
  console.log('| --- | --- | --- |');
  console.log(`| bare Fastify route, same bodies parsed | ${spread(figures.bare, k)} reports/s, p99 ${spread(figures.bareP99, (n) => `${n} ms`)} | |`);
  console.log(`| psql \\copy of the same rows | ${spread(figures.copy, k)} rows/s | |`);
  console.log(`| SEF, to stored | ${spread(figures.order.map((r) => r.reportsPerSec), k)} reports/s, ${spread(figures.order.map((r) => r.rowsPerSec), k)} rows/s | ${spread(figures.ratio, x)} (≥ 0.5) |`);
  console.log(`| SEF, p99 to the 202 | ${spread(figures.order.map((r) => r.p99), (n) => `${n} ms`)} | (< 50 ms) |`);
  console.log(`| SEF, 10 % late by 1-6 h, to stored | ${spread(figures.late.map((r) => r.reportsPerSec), k)} reports/s, ${spread(figures.late.map((r) => r.rowsPerSec), k)} rows/s | ${spread(figures.lateRatio, x)} (≥ 0.4) |`);
  console.log(`| SEF, 10 % late, p99 to the 202 | ${spread(figures.late.map((r) => r.p99), (n) => `${n} ms`)} | |`);
  console.log(`| bare route vs SEF | ${spread(figures.order.map((r, i) => r.reportsPerSec / figures.bare[i]!), x)} × | |`);
  console.log(`\nwaiting for a twin: ${buffered} reports (${sent} sent), Redis ${((after.redis.total - before.redis.total) / Math.max(1, buffered)).toFixed(0)} B per report (MEMORY USAGE of SEF's keys; target ≤ 200), server heap ${(after.state.memory.heapUsed / 2 ** 20).toFixed(0)} MiB (${((after.state.memory.heapUsed - before.heap) / Math.max(1, buffered)).toFixed(0)} B per waiting report)`);
  const kinds = [...after.redis.byKind].map(([kind, n]) => `${kind} ${((n - (before.redis.byKind.get(kind) ?? 0)) / Math.max(1, buffered)).toFixed(0)} B`);
  console.log(`  Redis per waiting report by key: ${kinds.join(', ')}`);
  const failed = [...figures.order, ...figures.late].reduce((n, r) => n + r.non202, 0);
  if (failed > 0) console.log(`${failed} ingest requests were not answered 202 (429s of the rate limit count here)`);
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await pool.query(`DROP SCHEMA IF EXISTS ${tag} CASCADE`).catch(() => undefined);
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await pool.end();
  rmSync(dir, { recursive: true, force: true });
}
