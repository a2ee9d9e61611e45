// `pnpm bench`: end-to-end ingest of batched reports over HTTP on loopback (reports/s, p99 latency),
// beside the same server answering no-op routes, measured in one run. Noise is about ±25 % run to run:
// compare the ratios, not the absolute figures. BENCH_PROFILE=<dir> writes a CPU profile of the server.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { simulatedPools } from '@sef/core';

const duration = Number(process.env['BENCH_DURATION'] ?? 10);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 8);
const batch = 1000;
const ticksPerBatch = 8;
const pools = simulatedPools().map((p) => p.id).slice(0, batch / ticksPerBatch);

const child = spawn(process.execPath, [...(process.env['BENCH_PROFILE'] ? ['--cpu-prof', '--cpu-prof-dir', process.env['BENCH_PROFILE']] : []), '--conditions=@sef/source', '--import', 'tsx', fileURLToPath(new URL('./serve.ts', import.meta.url))], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, LOG_LEVEL: 'warn' },
});
const first = await new Promise<string>((resolve, reject) => {
  createInterface({ input: child.stdout! }).once('line', resolve);
  child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
});
const server = JSON.parse(first) as { port: number; agents: { id: string; instanceId: string; token: string }[] };
const base = `http://127.0.0.1:${server.port}`;

// Every ingest request carries new reports: one agent, 125 pools × 8 consecutive 10 s ticks, moving forward.
const start = Math.floor(Date.now() / 1000) - 23 * 3600;
const cursors = server.agents.map(() => start);
let next = 0;
function nextBody(): { agent: (typeof server.agents)[number]; body: string } {
  const i = next++ % server.agents.length;
  const agent = server.agents[i]!;
  const t0 = cursors[i]!;
  cursors[i] = t0 + ticksPerBatch * 10;
  const reports: string[] = [];
  for (let k = 0; k < ticksPerBatch; k++) {
    for (const p of pools) reports.push(`{"instanceId":"${agent.instanceId}","poolId":"${p}","timestamp":${t0 + k * 10},"price":${(0.05 + ((t0 + k) % 97) / 10_000).toFixed(6)}}`);
  }
  return { agent, body: `{"reports":[${reports.join(',')}]}` };
}

interface Row { name: string; reqPerSec: number; p50: number; p99: number; non2xx: number; reportsPerSec: number }

async function run(name: string, opts: autocannon.Options, reportsPerRequest: number): Promise<Row> {
  const r = await autocannon({ connections, duration, ...opts });
  const ok = r.requests.total - r.non2xx;
  return { name, reqPerSec: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx + r.errors, reportsPerSec: (ok / r.duration) * reportsPerRequest };
}

const sample = nextBody().body;
next = 0;
cursors.fill(start);
const rows: Row[] = [];
rows.push(await run('no-op GET (HTTP baseline)', { url: `${base}/bench/noop` }, 0));
rows.push(await run('no-op POST, same 1,000-report body parsed', { url: `${base}/bench/noop`, method: 'POST', headers: { 'content-type': 'application/json' }, body: sample }, batch));
rows.push(
  await run(
    'POST /api/agents/{id}/pricing, 1,000 reports',
    {
      url: base,
      requests: [
        {
          method: 'POST',
          setupRequest: (req) => {
            const { agent, body } = nextBody();
            return { ...req, path: `/api/agents/${agent.id}/pricing`, body, headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.token}` } };
          },
        },
      ],
    },
    batch,
  ),
);
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));

const [noopGet, noopPost, ingest] = rows as [Row, Row, Row];
console.log(`\nSEF server benchmark: ${connections} connections, ${duration} s each, loopback, 2-core machine\n`);
console.log('| route | req/s | reports/s | p50 ms | p99 ms | non-2xx/errors |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.name} | ${r.reqPerSec.toFixed(0)} | ${r.reportsPerSec ? r.reportsPerSec.toFixed(0) : '—'} | ${r.p50} | ${r.p99} | ${r.non2xx} |`);
console.log(`\ningest vs no-op POST of the same body: ${(ingest.reqPerSec / noopPost.reqPerSec).toFixed(3)} × the requests/s, p99 ${(ingest.p99 / Math.max(1, noopPost.p99)).toFixed(2)} ×`);
console.log(`ingest vs no-op GET: ${(ingest.reqPerSec / noopGet.reqPerSec).toFixed(4)} × the requests/s`);
if (ingest.non2xx > 0) {
  console.error(`\n${ingest.non2xx} ingest requests failed: the figures above are not valid`);
  process.exitCode = 1;
}
