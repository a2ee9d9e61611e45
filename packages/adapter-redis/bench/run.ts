// `pnpm bench`: buffered reports/s through the Redis DedupeBuffer and IngestQueue (pipelined: several calls
// in flight on one connection, many reports per call), beside redis-benchmark -P 100 SET/XADD on the same
// server in the same run, plus memory per waiting report (Redis and Node). Compare the ratios, not absolute
// figures.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { SourceReport } from '@sef/core';
import { Redis } from 'ioredis';
import { createRedisBuffer, createRedisIngestQueue } from '../src/index.js';
import { arrival, chunk, db, fmt, host, policy, port, redisBenchmark, redisUrl, reportsOf, spread, timed } from './support.js';

const prefix = `bench-${randomUUID()}:`;

const client = new Redis(redisUrl);
if (client.status !== 'ready') await once(client, 'ready');
// Each instance's state (its heap), measured in fresh processes by state-heap.ts.
const heap = (perSeries: number) =>
  execFileSync(process.execPath, ['--expose-gc', '--conditions=@sef/source', '--import', 'tsx', fileURLToPath(new URL('./state-heap.ts', import.meta.url)), String(perSeries)], {
    encoding: 'utf8',
  });
const heap10 = heap(10);
const heap1 = heap(1);

try {

  // DedupeBuffer: 400,000 reports, every primary followed (calls later) by its replica's twin. Each call
  // arrives 1 s after what it carries was observed, so the buffer's clock moves on as in a fleet that
  // reports once a minute. First deliveries (the pipeline's common case), then the same traffic as
  // redeliveries, which also look up the pair records.
  const reports = reportsOf(2000, 100);
  const bufferRun = async (name: string, firstDelivery: boolean) => {
    // warm the script cache and the JIT on another prefix
    await createRedisBuffer({ client, keyPrefix: `${prefix}${name}-warm:` }).add(reports.slice(0, 10_000), 0, policy);
    const buffer = createRedisBuffer({ client, keyPrefix: `${prefix}${name}:` });
    const sec = await timed(chunk(reports, 1000), 4, (b) => buffer.add(b, arrival(b), policy, { firstDelivery }));
    return { rps: reports.length / sec, paired: reports.length - (await buffer.size()) };
  };
  // The baseline interleaved with the measured code, three rounds: SET, then the buffer, on the same server.
  const rounds: { setRps: number; bufferRps: number }[] = [];
  let first = { rps: 0, paired: 0 };
  for (let round = 0; round < 3; round++) {
    const setRps = redisBenchmark(['SET', `${prefix}rb:set`, 'x']);
    first = await bufferRun(round === 0 ? 'b' : `b${round}`, true);
    rounds.push({ setRps, bufferRps: first.rps });
  }
  const setRps = rounds.map((r) => r.setRps).sort((a, b) => a - b)[1]!;
  const bufferRps = rounds.map((r) => r.bufferRps).sort((a, b) => a - b)[1]!;
  const xaddRps = redisBenchmark(['XADD', `${prefix}rb:xadd`, '*', 'r', 'x']);
  await client.del(`${prefix}rb:set`, `${prefix}rb:xadd`);
  const again = await bufferRun('r', false);

  // A new instance on the same prefix reads the whole log (400,000 reports' decisions) before its first call.
  const joinSec = await timed([0], 1, () => createRedisBuffer({ client, keyPrefix: `${prefix}b:` }).releaseExpired(0, policy));

  // Two instances (two connections), one call in flight each, sharing the chunks so that each chunk of
  // replicas goes to the instance that did not see its primaries: an append usually finds the other's
  // entry first, so the instance applies it, decides again and appends (the worst case for the log).
  const other = new Redis(redisUrl);
  if (other.status !== 'ready') await once(other, 'ready');
  const pairOf = [client, other].map((c) => createRedisBuffer({ client: c, keyPrefix: `${prefix}two:` }));
  const chunks = chunk(reports, 1000);
  const twoSec = await timed([0, 1], 2, async (k) => {
    for (let i = 0; i < chunks.length; i++) {
      if (((i + (i >> 1)) & 1) === k) await pairOf[k]!.add(chunks[i]!, arrival(chunks[i]!), policy, { firstDelivery: true });
    }
  });
  const twoPaired = reports.length - (await pairOf[0]!.size());
  await other.quit();

  // IngestQueue: the same reports, 500 per entry (one HTTP request's worth), 8 enqueues in flight.
  const queue = createRedisIngestQueue({ client, keyPrefix: `${prefix}q:` });
  const queueSec = await timed(chunk(reports, 500), 8, (b) => queue.enqueue(b));
  const queueRps = reports.length / queueSec;
  const claimSec = await timed([0], 1, async () => {
    for (let got = await queue.claim('bench', { max: 100, minIdleMs: 60_000 }); got.length > 0; got = await queue.claim('bench', { max: 100, minIdleMs: 60_000 })) {
      await queue.ack(got.map((e) => e.id));
    }
  });

  // Memory per waiting report in Redis (the log): 100,000 lone primaries (nothing pairs), 10 per series
  // and 1 per series.
  const memory = async (series: number, perSeries: number) => {
    const memPrefix = `${prefix}m${series}:`;
    const lone = reportsOf(series, perSeries).filter((r) => r.role === 'primary');
    const memBuffer = createRedisBuffer({ client, keyPrefix: memPrefix });
    const usedBefore = Number(/used_memory:(\d+)/.exec(await client.info('memory'))![1]);
    for (const b of chunk(lone, 1000)) await memBuffer.add(b, 1_764_000_000_000, policy);
    const usedAfter = Number(/used_memory:(\d+)/.exec(await client.info('memory'))![1]);
    let usage = 0;
    for (let cursor = '0'; ; ) {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${memPrefix}*`, 'COUNT', 1000);
      for (const k of keys) usage += Number(await client.memory('USAGE', k, 'SAMPLES', '0'));
      cursor = next;
      if (cursor === '0') break;
    }
    const waiting = await memBuffer.size();
    return `${(usage / waiting).toFixed(1)} bytes (MEMORY USAGE of the keys), ${((usedAfter - usedBefore) / waiting).toFixed(1)} bytes (INFO used_memory delta); ${fmt(waiting)} reports, ${perSeries} per series`;
  };
  const memory10 = await memory(10_000, 10);
  const memory1 = await memory(100_000, 1);

  console.log(`Redis ${host}:${port} db ${db}, ${fmt(reports.length)} reports per run`);
  console.log(`redis-benchmark -P 100  SET ${fmt(setRps)}/s (median of 3; min / median / max ${spread(rounds.map((r) => r.setRps))})   XADD ${fmt(xaddRps)}/s`);
  console.log(`DedupeBuffer.add        ${fmt(bufferRps)} reports/s (median of 3 interleaved with SET; min / median / max ${spread(rounds.map((r) => r.bufferRps))}; 1,000 per call, 4 in flight, first deliveries; ${fmt(first.paired)} released as pairs)`);
  console.log(`  ratio to SET          min / median / max ${spread(rounds.map((r) => r.bufferRps / r.setRps), (n) => n.toFixed(2))} (each round against its own SET run)`);
  console.log(`  as redeliveries       ${fmt(again.rps)} reports/s (pair records looked up; ${fmt(again.paired)} released as pairs)  ratio to SET ${(again.rps / setRps).toFixed(2)}`);
  console.log(`  a new instance        reads the log at ${fmt(reports.length / joinSec)} reports/s (${fmt(reports.length)} reports' decisions)`);
  console.log(`  two instances         ${fmt(reports.length / twoSec)} reports/s (one call in flight each, replicas at the instance that did not see their primaries; ${fmt(twoPaired)} released as pairs)`);
  console.log(`IngestQueue.enqueue     ${fmt(queueRps)} reports/s (500 per entry, 8 in flight)  ratio to XADD ${(queueRps / xaddRps).toFixed(2)}`);
  console.log(`IngestQueue claim+ack   ${fmt(reports.length / claimSec)} reports/s (100 entries per claim, one consumer)`);
  console.log(`memory per waiting report: ${memory10}`);
  console.log(`memory per waiting report: ${memory1}`);
  console.log(`Node heap per waiting report (each instance's state): ${heap10}; ${heap1}`);
  const target = 0.3;
  const ok = bufferRps / setRps >= target && queueRps / xaddRps >= target;
  console.log(`target ratio >= ${target}: ${ok ? 'met' : 'NOT met'}`);
} finally {
  for (let cursor = '0'; ; ) {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
    if (cursor === '0') break;
  }
  await client.quit();
}
