// Shared by the buffer benchmarks: the Redis under test, redis-benchmark as the baseline, the traffic.
import { execFileSync } from 'node:child_process';
import type { SourceReport } from '@sef/core';

export const url = new URL(process.env.SEF_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
export const host = url.hostname;
export const port = url.port || '6379';
/** The database number of the URL (`redis://host:port/3`), honoured by the clients and by redis-benchmark. */
export const db = Number(url.pathname.slice(1) || '0');
/** The URL as given (database, user and password included), for ioredis. */
export const redisUrl = url.href;
export const policy = { timeTolerance: 30, windowMs: 300_000 };

/** One redis-benchmark run of a custom command; returns requests per second. */
export function redisBenchmark(args: string[]): number {
  const auth = url.password ? ['-a', decodeURIComponent(url.password), ...(url.username ? ['--user', decodeURIComponent(url.username)] : [])] : [];
  const csv = execFileSync('redis-benchmark', ['-h', host, '-p', port, '--dbnum', String(db), ...auth, '-P', '100', '-n', '300000', '-q', '--csv', ...args], { encoding: 'utf8' });
  const row = csv.trim().split('\n').at(-1)!.split(',');
  return Number(JSON.parse(row[1]!));
}

/**
 * Reports of `series` series, each observed by the primary and the replica (3 s apart). Per round the
 * primaries of every series come first and the replicas after, so twins meet in different calls: every
 * primary waits in Redis and every replica pairs with one waiting there.
 */
export function reportsOf(series: number, perSeries: number): SourceReport[] {
  const out: SourceReport[] = [];
  for (let k = 0; k < perSeries; k++) {
    const ts = 1_764_000_000 + k * 60;
    for (let s = 0; s < series; s++) {
      out.push({ agentId: `agent-${s}`, instanceId: 'i-0123456789abcdef0', poolId: 'us-east-1a:c5.large', timestamp: ts, price: 0.0456, role: 'primary' });
    }
    for (let s = 0; s < series; s++) {
      out.push({ agentId: `agent-${s}`, instanceId: 'i-0fedcba9876543210', poolId: 'us-east-1a:c5.large', timestamp: ts + 3, price: 0.0458, role: 'replica' });
    }
  }
  return out;
}

/** Runs `work` over `batches` with `inFlight` calls outstanding at a time; returns seconds. */
export async function timed<T>(batches: readonly T[], inFlight: number, work: (b: T) => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < batches.length) await work(batches[next++]!);
    }),
  );
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export const chunk = <T>(xs: readonly T[], n: number): T[][] => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));
export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
/** `min / median / max` of repeated figures. */
export const spread = (xs: readonly number[], show: (n: number) => string = fmt): string => {
  const s = [...xs].sort((a, b) => a - b);
  return `${show(s[0]!)} / ${show(s[Math.floor(s.length / 2)]!)} / ${show(s.at(-1)!)}`;
};

/** When a call carrying `reports` arrives: 1 s after its first report was observed (a fleet reporting live). */
export const arrival = (reports: readonly SourceReport[]): number => reports[0]!.timestamp * 1000 + 1000;
