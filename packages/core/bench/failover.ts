// SEF's decision time, from a termination notice to the first provider call, with a zero-latency simulated
// cloud, beside an empty async call chain of the same depth measured in the same run; then the simulated
// end-to-end failover time with realistic provider latencies (fake clock). Run: node --import tsx bench/failover.ts
import { performance } from 'node:perf_hooks';
import { createFakeClock, type FakeClock } from '../src/clock/index.js';
import { parseConfig } from '../src/config/index.js';
import { createReplicaManager, type ReplicaManager } from '../src/failover/index.js';
import { createMemoryAgentStore } from '../src/memory/agent-store.js';
import { createMemoryEventStore } from '../src/memory/event-store.js';
import { FenceRegistry } from '../src/memory/fence-registry.js';
import { createMemoryLeaseManager } from '../src/memory/lease-manager.js';
import { createMemoryPoolStore } from '../src/memory/pool-store.js';
import { createMemoryReplicaStore } from '../src/memory/replica-store.js';
import type { PriceStore } from '../src/ports/price-store.js';
import type { SefStorage } from '../src/ports/storage.js';
import { createSimulatedCloud, realisticLatencies, zeroLatencies, type SimLatencies, type SimulatedCloud } from '../src/sim/cloud.js';
import { simulatedPools } from '../src/sim/pool-catalog.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const POOL = 'us-east-1a:c5.large';
const BATCH = 200;

interface World {
  clock: FakeClock;
  cloud: SimulatedCloud;
  storage: SefStorage;
  sef: ReplicaManager;
  firstCall: number | undefined;
}

function world(latencies: SimLatencies): World {
  const clock = createFakeClock(T0);
  const w = { clock, firstCall: undefined } as World;
  w.cloud = createSimulatedCloud({ clock, latencies, onCall: () => void (w.firstCall ??= performance.now()) });
  const fences = new FenceRegistry();
  w.storage = {
    prices: {} as PriceStore,
    agents: createMemoryAgentStore({ fences, clock }),
    pools: createMemoryPoolStore(simulatedPools()),
    replicas: createMemoryReplicaStore({ fences, clock }),
    events: createMemoryEventStore({ fences }),
    ping: async () => true,
  };
  w.sef = createReplicaManager({
    storage: w.storage, compute: w.cloud.compute, priceFeed: w.cloud.priceFeed, router: w.cloud.router,
    leases: createMemoryLeaseManager({ clock }), clock, config: parseConfig(), emit: () => {}, owner: 'bench',
  });
  return w;
}

/** An agent with (or without) a ready replica, set up directly in the stores. */
async function agent(w: World, id: string, withReplica: boolean): Promise<void> {
  w.cloud.compute.addRunning({ instanceId: `i-${id}`, poolId: POOL, agentId: id, launchedAt: T0 - 3_600_000 });
  const a = await w.storage.agents.create({ id, region: 'us-east-1', poolId: POOL, primaryInstanceId: `i-${id}`, primaryLaunchedAt: T0 - 3_600_000 });
  if (!withReplica) return;
  const rid = `i-${id}-r`;
  w.cloud.compute.addRunning({ instanceId: rid, poolId: 'us-east-1b:c5.large', agentId: id, launchedAt: T0 - 600_000 });
  await w.storage.replicas.create({
    id: `r-${id}`, agentId: id, instanceId: rid, poolId: 'us-east-1b:c5.large', market: 'spot', replicaType: 'auto', status: 'ready',
    createdAt: T0 - 600_000, readyAt: T0 - 500_000, endedAt: null, causeId: `c-${id}`,
  });
  await w.storage.agents.update(id, a.version, { replicaInstanceId: rid });
}

async function settle<T>(w: World, p: Promise<T>): Promise<T> {
  let done = false;
  const tracked = p.finally(() => void (done = true));
  for (;;) {
    await w.clock.advance(0);
    if (done) return tracked;
    await w.clock.advance(250);
  }
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const fmt = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;

/** Decision time: performance.now() at handleSignal → at the first provider call. Zero-latency provider. */
async function decisionTimes(withReplica: boolean, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let b = 0; b < n / BATCH; b++) {
    const w = world(zeroLatencies);
    for (let i = 0; i < BATCH; i++) await agent(w, `a${i}`, withReplica);
    for (let i = 0; i < BATCH; i++) {
      w.firstCall = undefined;
      const notice = w.cloud.signals.notice(`i-a${i}`, 'termination-notice');
      const t = performance.now();
      await settle(w, w.sef.handleSignal(notice));
      out.push(w.firstCall! - t);
    }
  }
  return out;
}

/** The baseline: an empty chain of `depth` nested async calls, each awaiting a resolved copy of a record. */
async function baselineTimes(depth: number, n: number): Promise<number[]> {
  const record = { id: 'a', version: 1, modes: { autoSwitch: false, autoTerminate: false, manualReplica: false } };
  const step = async (k: number): Promise<unknown> => (k === 0 ? undefined : step(k - 1).then(() => ({ ...record })));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await step(depth);
    out.push(performance.now() - t);
  }
  return out;
}

async function endToEnd(withReplica: boolean, n: number): Promise<number[]> {
  const w = world(realisticLatencies);
  for (let i = 0; i < n; i++) await agent(w, `e${i}`, withReplica);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const { event } = await settle(w, w.sef.handleSignal(w.cloud.signals.notice(`i-e${i}`, 'termination-notice')));
    if (!event.success) throw new Error(`failover ${event.id} failed`);
    out.push(event.responseTimeMs!);
  }
  return out;
}

const N = 2_000;
// Store calls awaited before the first provider call of the promote path (gate, lookups, lease, CAS writes).
const DEPTH = 14;
await decisionTimes(true, 400); // warm-up
const promote = await decisionTimes(true, N);
const emergency = await decisionTimes(false, N);
const baseline = await baselineTimes(DEPTH, N);
console.log(`decision time, notice → first provider call (zero-latency provider, n=${N})`);
for (const [name, xs] of [['ready replica (→ route)', promote], ['no replica (→ snapshot)', emergency], [`baseline: empty async chain, depth ${DEPTH}`, baseline]] as const) {
  console.log(`  ${name.padEnd(38)} p50 ${fmt(pct(xs, 50)).padStart(10)}  p99 ${fmt(pct(xs, 99)).padStart(10)}`);
}
console.log(`  ratio to baseline (p50 / p99): promote ${(pct(promote, 50) / pct(baseline, 50)).toFixed(1)}× / ${(pct(promote, 99) / pct(baseline, 99)).toFixed(1)}×, emergency ${(pct(emergency, 50) / pct(baseline, 50)).toFixed(1)}× / ${(pct(emergency, 99) / pct(baseline, 99)).toFixed(1)}×`);
console.log(`  target p99 < 5 ms: ${pct(promote, 99) < 5 && pct(emergency, 99) < 5 ? 'met' : 'NOT met'}`);
const e2eReady = await endToEnd(true, 50);
const e2eEmergency = await endToEnd(false, 50);
console.log('simulated end-to-end failover time (realistic latencies: launch 1.2 s, boot 40 s, snapshot 1.5 s, EIP move 2 s)');
console.log(`  ready replica: p50 ${(pct(e2eReady, 50) / 1000).toFixed(1)} s, p99 ${(pct(e2eReady, 99) / 1000).toFixed(1)} s (spec: ~10–15 s)`);
console.log(`  emergency:     p50 ${(pct(e2eEmergency, 50) / 1000).toFixed(1)} s, p99 ${(pct(e2eEmergency, 99) / 1000).toFixed(1)} s (spec: ~30–60 s, deadline 120 s)`);
