/**
 * Ingest benchmark: 1M reports through the core's `storeReports` and this adapter's PriceStore into
 * `pricing_reports` (with its primary key and BRIN index), beside `psql \copy` of the same rows as CSV into
 * an identical table, in the same run. Prints rows/s of both and the ratio (target ≥ 0.5).
 *
 * SEF is measured twice: one ingest stream (one connection, like \copy), and two streams on disjoint
 * halves of the series (two queue consumers; the JS of one overlaps the SQL of the other).
 *
 *   pnpm bench                                   # 1M reports, 1,000 series, batches of 20,000
 *   SEF_BENCH_REPORTS=200000 SEF_BENCH_BATCH=5000 pnpm bench
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { parseConfig, storeReports, type SourceReport } from '@sef/core';
import { createPostgresStorage, migrate } from '../src/index.js';

const url = process.env.SEF_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const total = Number(process.env.SEF_BENCH_REPORTS ?? 1_000_000);
const seriesCount = Number(process.env.SEF_BENCH_SERIES ?? 1_000);
const batchSize = Number(process.env.SEF_BENCH_BATCH ?? 20_000);
const start = 1_767_225_600; // 2026-01-01T00:00:00Z
const step = 300;

/** Report k of the run: time slices in order, every series reporting in each (interleaved, as agents do). */
function report(k: number): SourceReport {
  const s = k % seriesCount;
  const slice = Math.floor(k / seriesCount);
  return {
    agentId: `agent-${s}`,
    instanceId: `i-${s}`,
    poolId: `us-east-1${'abcdef'[s % 6]}:c5.large`,
    timestamp: start + slice * step,
    price: Math.round((0.03 + 0.02 * Math.sin(k / 977)) * 1e6) / 1e6,
    role: 'primary',
  };
}

/** The row the store writes for a lone primary report, as CSV for `\copy`. */
const csvRow = (r: SourceReport) =>
  `${r.agentId},${r.poolId},${new Date(r.timestamp * 1000).toISOString()},${r.price},single_source,smart_emergency_fallback,primary,${r.price},,\n`;

async function main() {
  const suffix = `${process.pid}_${Date.now()}`;
  const ours = `bench_sef_${suffix}`;
  const theirs = `bench_copy_${suffix}`;
  const two = `bench_sef2_${suffix}`;
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', (e) => console.error('pool error', e.message));
  const dir = mkdtempSync(join(tmpdir(), 'sef-bench-'));
  try {
    await migrate(pool, { schema: ours });
    await migrate(pool, { schema: theirs });
    const config = parseConfig();
    const storage = createPostgresStorage({ pool, schema: ours });

    // Baseline: the same rows as CSV, loaded by psql's \copy into an identical table.
    const csv = join(dir, 'rows.csv');
    const parts: string[] = [];
    for (let k = 0; k < total; k++) parts.push(csvRow(report(k)));
    writeFileSync(csv, parts.join(''));
    parts.length = 0;
    const columns = 'agent_id, pool_id, "timestamp", price, data_quality_flag, processed_by, source, primary_price, replica_price, replica_timestamp';
    let t0 = performance.now();
    execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qc', `\\copy ${theirs}.pricing_reports (${columns}) FROM '${csv}' CSV`]);
    const copySec = (performance.now() - t0) / 1000;

    // SEF: batches of interleaved reports through storeReports, one transaction each.
    const ingest = async (prices: typeof storage.prices, streams: number) => {
      const t = performance.now();
      await Promise.all(
        Array.from({ length: streams }, async (_, stream) => {
          for (let k = 0; k < total; k += batchSize) {
            const batch: SourceReport[] = [];
            for (let j = k; j < Math.min(total, k + batchSize); j++) if ((j % seriesCount) % streams === stream) batch.push(report(j));
            await storeReports(prices, batch, config);
          }
        }),
      );
      return (performance.now() - t) / 1000;
    };
    const sefSec = await ingest(storage.prices, 1);
    await migrate(pool, { schema: two });
    const twoSec = await ingest(createPostgresStorage({ pool, schema: two }).prices, 2);

    const count = async (schema: string) => Number((await pool.query(`SELECT count(*) AS n FROM ${schema}.pricing_reports`)).rows[0].n);
    const [sefRows, copyRows, twoRows] = [await count(ours), await count(theirs), await count(two)];
    const diff = Number(
      (
        await pool.query(`SELECT count(*) AS n FROM (
          (SELECT agent_id, pool_id, "timestamp", price, data_quality_flag, source, primary_price FROM ${ours}.pricing_reports
           EXCEPT SELECT agent_id, pool_id, "timestamp", price, data_quality_flag, source, primary_price FROM ${theirs}.pricing_reports)
          UNION ALL
          (SELECT agent_id, pool_id, "timestamp", price, data_quality_flag, source, primary_price FROM ${theirs}.pricing_reports
           EXCEPT SELECT agent_id, pool_id, "timestamp", price, data_quality_flag, source, primary_price FROM ${ours}.pricing_reports)) d`)
      ).rows[0].n,
    );
    const sefRate = sefRows / sefSec;
    const copyRate = copyRows / copySec;
    console.log(`reports: ${total}, series: ${seriesCount}, batch: ${batchSize} reports per storeReports call`);
    console.log(`psql \\copy (baseline)      ${copyRows} rows in ${copySec.toFixed(2)} s = ${Math.round(copyRate)} rows/s`);
    console.log(`SEF storeReports + store  ${sefRows} rows in ${sefSec.toFixed(2)} s = ${Math.round(sefRate)} rows/s`);
    const twoRate = twoRows / twoSec;
    console.log(`SEF, two streams          ${twoRows} rows in ${twoSec.toFixed(2)} s = ${Math.round(twoRate)} rows/s`);
    console.log(`ratio SEF / \\copy: one stream ${(sefRate / copyRate).toFixed(2)}, two streams ${(twoRate / copyRate).toFixed(2)} (target >= 0.5)`);
    console.log(`rows differing between the SEF (one stream) and \\copy tables: ${diff}`);
    if (diff !== 0 || sefRows !== copyRows || twoRows !== copyRows) process.exitCode = 1;
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS ${ours} CASCADE`).catch(() => undefined);
    await pool.query(`DROP SCHEMA IF EXISTS ${theirs} CASCADE`).catch(() => undefined);
    await pool.query(`DROP SCHEMA IF EXISTS ${two} CASCADE`).catch(() => undefined);
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
