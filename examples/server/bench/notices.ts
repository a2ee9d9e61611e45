// `pnpm --filter @sef/example-server bench:notices`: how long a termination notice takes to be acknowledged
// (202) over HTTP on loopback, with the server on Postgres + Redis (serve.ts) and the failovers the notices
// start running in the background, beside the same server's no-op route (`/bench/noop`, a body parsed and
// nothing done) measured in the same run: each notice request is followed by a no-op request, one at a
// time, BENCH_NOTICES (300) of each per round, BENCH_ROUNDS (3) rounds; p50 / p99 per round, min / median /
// max over the rounds, and the per-round p99 ratio.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Redis } from 'ioredis';

const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
const perRound = Number(process.env['BENCH_NOTICES'] ?? 300);
const agentCount = 30;
const pgUrl = process.env['SEF_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env['SEF_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const tag = `bench_notices_${process.pid}_${Date.now()}`;

const child = spawn(process.execPath, ['--conditions=@sef/source', '--import', 'tsx', fileURLToPath(new URL('./serve.ts', import.meta.url))], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, LOG_LEVEL: 'warn', DATABASE_URL: pgUrl, SEF_PG_SCHEMA: tag, REDIS_URL: redisUrl, SEF_REDIS_PREFIX: `${tag}:`, SEF_SIM_LATENCY: 'zero', BENCH_AGENTS: String(agentCount), SEF_RATE_LIMIT_MAX: '1000000' },
});
const server = JSON.parse(
  await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  }),
) as { port: number; agents: { id: string; token: string }[] };
const base = `http://127.0.0.1:${server.port}`;

async function timed(path: string, token: string, body: object, expected: number): Promise<number> {
  const start = performance.now();
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  const ms = performance.now() - start;
  if (res.status !== expected) throw new Error(`${path}: ${res.status}`);
  return ms;
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const spread = (xs: number[], f = (x: number) => x.toFixed(2)) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${f(s[0]!)} / ${f(s[Math.floor(s.length / 2)]!)} / ${f(s.at(-1)!)}`;
};

let noticeSec = Math.floor(Date.now() / 1000) - 50_000;
const figures = { noticeP50: [] as number[], noticeP99: [] as number[], noopP50: [] as number[], noopP99: [] as number[], ratio: [] as number[] };
try {
  // Warm-up: JIT, connections, the first failover of each agent.
  for (const a of server.agents.slice(0, 5)) await timed(`/api/agents/${a.id}/interruption`, a.token, { signal_type: 'termination-notice', notice_time: noticeSec++ }, 202);
  for (let round = 0; round < rounds; round++) {
    const notice: number[] = [];
    const noop: number[] = [];
    for (let i = 0; i < perRound; i++) {
      const a = server.agents[i % server.agents.length]!;
      notice.push(await timed(`/api/agents/${a.id}/interruption`, a.token, { signal_type: 'termination-notice', notice_time: noticeSec++ }, 202));
      noop.push(await timed('/bench/noop', a.token, { reports: [], signal_type: 'termination-notice', notice_time: noticeSec }, 200));
    }
    figures.noticeP50.push(quantile(notice, 0.5));
    figures.noticeP99.push(quantile(notice, 0.99));
    figures.noopP50.push(quantile(noop, 0.5));
    figures.noopP99.push(quantile(noop, 0.99));
    figures.ratio.push(figures.noticeP99.at(-1)! / figures.noopP99.at(-1)!);
    console.error(`round ${round + 1}: notice p50 ${figures.noticeP50.at(-1)!.toFixed(2)} ms p99 ${figures.noticeP99.at(-1)!.toFixed(2)} ms; no-op p50 ${figures.noopP50.at(-1)!.toFixed(2)} ms p99 ${figures.noopP99.at(-1)!.toFixed(2)} ms`);
  }
  console.log(`\nNotice acknowledgement over HTTP (Postgres + Redis, failovers running in the background), ${perRound} notices and ${perRound} no-op requests per round, interleaved, ${rounds} rounds (min / median / max)\n`);
  console.log('| figure | value |\n| --- | --- |');
  console.log(`| notice 202, p50 | ${spread(figures.noticeP50)} ms |`);
  console.log(`| notice 202, p99 | ${spread(figures.noticeP99)} ms |`);
  console.log(`| no-op route, p50 | ${spread(figures.noopP50)} ms |`);
  console.log(`| no-op route, p99 | ${spread(figures.noopP99)} ms |`);
  console.log(`| p99 notice / no-op | ${spread(figures.ratio)} × |`);
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  const pool = new pg.Pool({ connectionString: pgUrl, max: 1 });
  await pool.query(`DROP SCHEMA IF EXISTS "${tag}" CASCADE`).catch(() => undefined);
  await pool.end();
  const redis = new Redis(redisUrl);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${tag}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}
