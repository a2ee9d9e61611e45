/**
 * Ingest benchmark: reports through the core's `storeReports` and this adapter's PriceStore into
 * `pricing_reports` (with its primary key and BRIN index), beside `psql \copy` of the same final rows as CSV
 * into an identical table, in the same run: in order, and with runs of reports 1-6 h late (10 % of them,
 * see traffic.ts). The three are interleaved and repeated (`SEF_BENCH_ROUNDS`, default 3); each figure is
 * printed as min / median / max, with the ratio to \copy of the same round. Also counts the unfillable-gap
 * alerts each run raised (and retracted) against the true gaps of the data.
 *
 *   pnpm bench                                   # 1M reports, 1,000 series, batches of 20,000
 *   SEF_BENCH_REPORTS=200000 SEF_BENCH_BATCH=5000 SEF_BENCH_ROUNDS=3 pnpm bench
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { parseConfig, storeReports, type SourceReport } from '@sef/core';
import { createPostgresStorage, migrate } from '../src/index.js';
import { csvRow, spread, traffic } from './traffic.js';

const url = process.env.SEF_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const total = Number(process.env.SEF_BENCH_REPORTS ?? 1_000_000);
const seriesCount = Number(process.env.SEF_BENCH_SERIES ?? 1_000);
const batchSize = Number(process.env.SEF_BENCH_BATCH ?? 20_000);
const rounds = Number(process.env.SEF_BENCH_ROUNDS ?? 3);
const columns = 'agent_id, pool_id, "timestamp", price, data_quality_flag, processed_by, source, primary_price, replica_price, replica_timestamp';

interface SefRun {
  sec: number;
  raised: number;
  retracted: number;
}

async function main() {
  const suffix = `${process.pid}_${Date.now()}`;
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', (e) => console.error('pool error', e.message));
  const dir = mkdtempSync(join(tmpdir(), 'sef-bench-'));
  const schemas: string[] = [];
  const fresh = async (name: string) => {
    const schema = `bench_${name}_${suffix}`;
    schemas.push(schema);
    await migrate(pool, { schema });
    return schema;
  };
  try {
    const config = parseConfig();
    const inOrder = traffic(total, seriesCount, false);
    const late = traffic(total, seriesCount, true);
    const rows = inOrder.reports.length;
    const csv = join(dir, 'rows.csv');
    writeFileSync(csv, inOrder.reports.map(csvRow).join(''));

    const copy = async (): Promise<{ sec: number; schema: string }> => {
      const schema = await fresh('copy');
      const t0 = performance.now();
      execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qc', `\\copy ${schema}.pricing_reports (${columns}) FROM '${csv}' CSV`]);
      return { sec: (performance.now() - t0) / 1000, schema };
    };
    // Batches of reports in arrival order through storeReports, one transaction each.
    const sef = async (reports: readonly SourceReport[], schema: string): Promise<SefRun> => {
      const prices = createPostgresStorage({ pool, schema }).prices;
      const run = { sec: 0, raised: 0, retracted: 0 };
      const t0 = performance.now();
      for (let k = 0; k < reports.length; k += batchSize) {
        const outcome = await storeReports(prices, reports.slice(k, k + batchSize), config);
        run.raised += outcome.gapsUnfillable.length;
        run.retracted += outcome.gapsRetracted.length;
      }
      run.sec = (performance.now() - t0) / 1000;
      return run;
    };
    const differing = async (a: string, b: string) => {
      const cols = 'agent_id, pool_id, "timestamp", price, data_quality_flag, source, primary_price';
      const q = `SELECT count(*) AS n FROM ((SELECT ${cols} FROM ${a}.pricing_reports EXCEPT SELECT ${cols} FROM ${b}.pricing_reports)
        UNION ALL (SELECT ${cols} FROM ${b}.pricing_reports EXCEPT SELECT ${cols} FROM ${a}.pricing_reports)) d`;
      return Number((await pool.query(q)).rows[0].n);
    };

    const copyRates: number[] = [];
    const orderRates: number[] = [];
    const lateRates: number[] = [];
    const orderRatios: number[] = [];
    const lateRatios: number[] = [];
    let last: { order: SefRun; late: SefRun } | undefined;
    let bad = 0;
    for (let round = 0; round < rounds; round++) {
      // Rotate who goes first so no one always runs on a warm (or a busy) server.
      const steps = [0, 1, 2].map((i) => (i + round) % 3);
      let c: Awaited<ReturnType<typeof copy>> | undefined;
      let o: SefRun | undefined;
      let l: SefRun | undefined;
      const sefSchemas: string[] = [];
      for (const s of steps) {
        if (s === 0) c = await copy();
        else {
          const schema = await fresh(s === 1 ? 'order' : 'late');
          sefSchemas.push(schema);
          if (s === 1) o = await sef(inOrder.reports, schema);
          else l = await sef(late.reports, schema);
        }
      }
      for (const schema of sefSchemas) bad += await differing(schema, c!.schema);
      copyRates.push(rows / c!.sec);
      orderRates.push(rows / o!.sec);
      lateRates.push(rows / l!.sec);
      orderRatios.push(c!.sec / o!.sec);
      lateRatios.push(c!.sec / l!.sec);
      last = { order: o!, late: l! };
      for (const schema of schemas.splice(0)) await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    }
    const rate = (n: number) => Math.round(n).toLocaleString('en-US');
    const ratio = (n: number) => n.toFixed(2);
    console.log(`reports: ${rows} (${late.late} of them late by 1-6 h in the late run), series: ${seriesCount}, batch: ${batchSize}, rounds: ${rounds}`);
    console.log('rows/s, min / median / max:');
    console.log(`  psql \\copy (baseline)         ${spread(copyRates, rate)}`);
    console.log(`  SEF, in order                 ${spread(orderRates, rate)}   ratio to \\copy ${spread(orderRatios, ratio)} (target >= 0.5)`);
    console.log(`  SEF, 10 % late by 1-6 h       ${spread(lateRates, rate)}   ratio to \\copy ${spread(lateRatios, ratio)} (target >= 0.4)`);
    console.log(`unfillable gaps: ${inOrder.trueUnfillableGaps} true; in order raised ${last!.order.raised}, retracted ${last!.order.retracted}; late raised ${last!.late.raised}, retracted ${last!.late.retracted}, standing ${last!.late.raised - last!.late.retracted}`);
    console.log(`rows differing from \\copy's table (all runs): ${bad}`);
    const standing = last!.late.raised - last!.late.retracted;
    if (bad !== 0 || standing !== inOrder.trueUnfillableGaps || last!.order.raised !== inOrder.trueUnfillableGaps) process.exitCode = 1;
  } finally {
    for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
