// The ingest pipeline against a hand-written baseline doing the same work (validation, pairing, merge,
// interpolation), interleaved in the same run, 3 rounds, plus the memory of the dedupe buffer. Run: node --import tsx --expose-gc bench/pipeline.ts
import { performance } from 'node:perf_hooks';
import { createFakeClock } from '../src/clock/index.js';
import { parseConfig } from '../src/config/index.js';
import { createMemoryDedupeBuffer } from '../src/memory/dedupe-buffer.js';
import { createMemoryStorage } from '../src/memory/storage.js';
import type { SourceReport } from '../src/ports/types.js';
import { createSef } from '../src/sef/index.js';
import { createSimulatedCloud } from '../src/sim/cloud.js';
import { simulatedInstanceTypes, simulatedPools } from '../src/sim/pool-catalog.js';

const AGENTS = 100;
const POOLS = 100;
const TICKS_PER_BODY = 10;
const ROUNDS = 5; // 100 agents × 2 roles × 1,000 reports × 5 rounds = 1 M reports over 10,000 series
const start = Date.UTC(2026, 0, 1);
const startSec = start / 1000;
const pools = simulatedPools().slice(0, POOLS);
const basePrice = pools.map((p) => simulatedInstanceTypes[p.instanceType]! * 0.3);
const agentId = (a: number) => `agent-${String(a).padStart(3, '0')}`;
const instanceId = (a: number, role: 'primary' | 'replica') => `i-${a.toString(16).padStart(8, '0')}${role === 'primary' ? 'a' : 'b'}`;

interface Body {
  readonly agentId: string;
  readonly json: string;
  /** Clock time (ms) at which the body arrives. */
  readonly at: number;
}

let total = 0;

function makeBodies(): Body[] {
  const bodies: Body[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const firstTick = round * TICKS_PER_BODY;
    const at = (startSec + (firstTick + TICKS_PER_BODY) * 300) * 1000;
    for (const role of ['primary', 'replica'] as const) {
      for (let a = 0; a < AGENTS; a++) {
        const reports = [];
        for (let t = firstTick; t < firstTick + TICKS_PER_BODY; t++) {
          for (let p = 0; p < POOLS; p++) {
            // About 1 % of observations lost by both instances (10-minute gaps to fill), 5 % of replica values 1 % off.
            if ((a * 7 + p * 3 + t * 11) % 97 === 0) continue;
            const off = (a + p + t) % 20 === 0 ? 1.01 : 1 + (((a * 31 + p * 7 + t) % 9) - 4) / 1000;
            const wobble = role === 'replica' ? off : 1;
            const price = Math.round(basePrice[p]! * (1 + ((t * 13 + p) % 17) / 100) * wobble * 1e6) / 1e6;
            reports.push({ instanceId: instanceId(a, role), poolId: pools[p]!.id, timestamp: startSec + t * 300 + (role === 'replica' ? 3 : 0), price });
          }
        }
        bodies.push({ agentId: agentId(a), json: JSON.stringify({ reports }), at });
        total += reports.length;
      }
    }
  }
  return bodies;
}

/**
 * Baseline: what the pipeline does, written by hand for this traffic: parse, check the same rules, keep one
 * price per series, role and timestamp, then per series pair primary and replica within the time tolerance
 * (two pointers over sorted arrays), merge by the price rule, and fill gaps up to `interpolationMaxGap` on the
 * step grid with rounded prices. Returns the reports accepted and the points it would store.
 */
function baseline(bodies: readonly Body[]): { ok: number; points: number } {
  const config = parseConfig();
  const poolSet = new Set(pools.map((p) => p.id));
  const instances = new Map<string, [string, string]>();
  for (let a = 0; a < AGENTS; a++) instances.set(agentId(a), [instanceId(a, 'primary'), instanceId(a, 'replica')]);
  const series = new Map<string, [Map<number, number>, Map<number, number>]>();
  let ok = 0;
  for (const body of bodies) {
    const nowSec = body.at / 1000;
    const { reports } = JSON.parse(body.json) as { reports: Record<string, unknown>[] };
    const inst = instances.get(body.agentId)!;
    for (const r of reports) {
      const { instanceId: i, poolId, timestamp, price } = r;
      if (typeof i !== 'string' || typeof poolId !== 'string' || typeof timestamp !== 'number' || typeof price !== 'number') continue;
      if (!(price > config.minPrice && price <= config.maxPrice) || !Number.isFinite(timestamp)) continue;
      if (timestamp > nowSec + config.maxClockSkew || timestamp < nowSec - config.maxReportAge) continue;
      if (!poolSet.has(poolId) || (i !== inst[0] && i !== inst[1]) || Object.keys(r).length !== 4) continue;
      const key = `${body.agentId}|${poolId}`;
      let m = series.get(key);
      if (!m) series.set(key, (m = [new Map(), new Map()]));
      const byTs = m[i === inst[0] ? 0 : 1];
      const prev = byTs.get(timestamp);
      if (prev === undefined || price < prev) byTs.set(timestamp, price);
      ok++;
    }
  }
  const scale = 10 ** config.pricePrecision;
  const round = (x: number) => Math.round(x * scale) / scale;
  let points = 0;
  for (const [primaries, replicas] of series.values()) {
    const p = [...primaries].sort((a, b) => a[0] - b[0]);
    const r = [...replicas].sort((a, b) => a[0] - b[0]);
    const real: [number, number][] = [];
    let j = 0;
    for (const [t, price] of p) {
      while (j < r.length && r[j]![0] < t - config.dualSourceTimeTolerance) real.push(r[j++]!);
      const twin = r[j];
      if (twin !== undefined && twin[0] <= t + config.dualSourceTimeTolerance) {
        const close = Math.abs(price - twin[1]) / price < config.dualSourcePriceTolerance;
        real.push([t, close ? price : round((price + twin[1]) / 2)]);
        j++;
      } else real.push([t, price]);
    }
    while (j < r.length) real.push(r[j++]!);
    real.sort((a, b) => a[0] - b[0]);
    points += real.length;
    for (let k = 1; k < real.length; k++) {
      const [t0, p0] = real[k - 1]!;
      const [t1, p1] = real[k]!;
      if (t1 - t0 > config.interpolationMaxGap) continue;
      for (let t = t0 + config.interpolationStep; t1 - t >= config.interpolationStep / 2; t += config.interpolationStep) {
        round(p0 + ((p1 - p0) * (t - t0)) / (t1 - t0));
        points++;
      }
    }
  }
  return { ok, points };
}

async function pipeline(bodies: readonly Body[]): Promise<{ accepted: number; stats: unknown; points: number }> {
  const clock = createFakeClock(start);
  const storage = createMemoryStorage({ clock, pools });
  const sef = createSef({ clock, storage, cloud: createSimulatedCloud({ clock }) });
  for (let a = 0; a < AGENTS; a++) {
    const rec = await sef.registerAgent({ id: agentId(a), instanceId: instanceId(a, 'primary'), poolId: pools[0]!.id });
    await storage.agents.update(rec.id, rec.version, { replicaInstanceId: instanceId(a, 'replica') });
  }
  let accepted = 0;
  for (const body of bodies) {
    if (body.at > clock.now()) await clock.advanceTo(body.at);
    const { reports } = JSON.parse(body.json) as { reports: unknown[] };
    accepted += (await sef.ingest(reports, { agentId: body.agentId })).accepted;
  }
  await clock.advance(300_000);
  await sef.flush();
  const counts = await storage.prices.countByFlag();
  return { accepted, stats: await sef.stats(), points: Object.values(counts).reduce((s, n) => s + n, 0) };
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) throw new Error('run with --expose-gc');
  g();
  g();
}

/** Heap bytes plus typed-array backing stores (outside the heap), per waiting report: 10,000 series, `perSeries` reports each, all waiting for a twin. */
async function bufferBytes(perSeries: number): Promise<number> {
  gc();
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const before = used();
  const buffer = createMemoryDedupeBuffer();
  const policy = { timeTolerance: 30, windowMs: 300_000 };
  for (let t = 0; t < perSeries; t++) {
    for (let a = 0; a < AGENTS; a++) {
      // Ids built per report, as JSON.parse would hand them over.
      const chunk: SourceReport[] = [];
      for (let p = 0; p < POOLS; p++) {
        chunk.push({ agentId: `agent-${String(a).padStart(3, '0')}`, instanceId: `i-${a.toString(16).padStart(8, '0')}a`, poolId: `${pools[p]!.id}`, timestamp: startSec + t * 300, price: 0.05 + p / 1e4, role: 'primary' });
      }
      await buffer.add(chunk, start, policy);
    }
  }
  gc();
  const after = used();
  const size = await buffer.size();
  if (size !== AGENTS * POOLS * perSeries) throw new Error(`buffer holds ${size}`);
  return (after - before) / size;
}

const bodies = makeBodies();
console.log(`${bodies.length} JSON bodies of about 1,000 reports, ${AGENTS * POOLS} series (primary + replica), ${total.toLocaleString('en')} reports`);

const timeIt = async (fn: () => unknown): Promise<number> => {
  gc(); // start each run on a clean heap, so no run pays for the garbage of the one before
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
};
/** `min / median / max` of repeated figures. */
const spread = (xs: readonly number[], show: (n: number) => string) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${show(s[0]!)} / ${show(s[Math.floor(s.length / 2)]!)} / ${show(s.at(-1)!)}`;
};
// Interleaved, 3 rounds (BENCH_ROUNDS), each figure as min / median / max: other processes share these cores.
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
let base: ReturnType<typeof baseline> | undefined;
let pipe: Awaited<ReturnType<typeof pipeline>> | undefined;
const baseRates: number[] = [];
const pipeRates: number[] = [];
const ratios: number[] = [];
for (let round = 0; round < rounds; round++) {
  const baseSec = await timeIt(() => (base = baseline(bodies)));
  const pipeSec = await timeIt(async () => (pipe = await pipeline(bodies)));
  baseRates.push(total / baseSec);
  pipeRates.push(total / pipeSec);
  ratios.push(baseSec / pipeSec);
}
const mps = (n: number) => (n / 1e6).toFixed(3);
console.log(`baseline (parse + hand checks + pairing + merge + interpolation): ${spread(baseRates, mps)} M reports/s (${base!.ok.toLocaleString('en')} ok, ${base!.points.toLocaleString('en')} points)`);
console.log(`pipeline (parse + validate + dedupe + gaps + memory store):      ${spread(pipeRates, mps)} M reports/s (${pipe!.accepted.toLocaleString('en')} accepted, ${pipe!.points.toLocaleString('en')} points stored)`);
console.log(`ratio pipeline / baseline, per round: ${spread(ratios, (n) => n.toFixed(2))} (target >= 0.5)`);
if (base!.points !== pipe!.points) console.log(`note: the baseline would store ${base!.points - pipe!.points} points more than the pipeline`);
console.log('stats', JSON.stringify(pipe!.stats));
for (const n of [1, 10]) {
  console.log(`dedupe buffer, 10,000 series x ${n} waiting: ${(await bufferBytes(n)).toFixed(1)} bytes per buffered report (target < 200)`);
}
