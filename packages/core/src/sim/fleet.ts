import type { Role } from '../ports/types.js';
import { SeededRandom } from './fleet-random.js';
import { simulatedInstanceTypes, simulatedPools } from './pool-catalog.js';

/** How the simulated fleet behaves. Rates are per agent (or report) and 300 s tick. */
export interface FleetOptions {
  /** @default 1 */
  readonly seed?: number;
  /** @default 4 */
  readonly agents?: number;
  /** Pools each agent reports prices for (its own first). @default 2 */
  readonly poolsPerAgent?: number;
  /** First grid time, unix ms (rounded down to the step). */
  readonly start: number;
  /** Simulated time, seconds. @default 172800 (two days) */
  readonly duration?: number;
  /** Reporting interval, seconds. @default 300 */
  readonly step?: number;
  /** Largest offset of a timestamp from the grid, seconds. @default 10 */
  readonly jitter?: number;
  /** Share of single reports lost from one instance. @default 0.02 */
  readonly dropRate?: number;
  /** Chance per tick that an agent (both instances) goes silent for 1–4 ticks (a fillable gap). @default 0.004 */
  readonly shortOutageRate?: number;
  /** Chance per tick of a silence of 7–14 ticks (more than 30 min: left open). @default 0.0007 */
  readonly longOutageRate?: number;
  /** Share of replica reports that differ from the primary by 1–3 % instead of under 0.4 %. @default 0.05 */
  readonly noisyReplicaRate?: number;
  /** Share of batches sent a second time a little later. @default 0.02 */
  readonly resendRate?: number;
}

/** A report as an agent sends it (`POST /api/agents/{id}/pricing`). */
export interface RawReport {
  readonly instanceId: string;
  readonly poolId: string;
  readonly timestamp: number;
  readonly price: number;
}

export interface FleetAgent {
  readonly id: string;
  readonly poolId: string;
  readonly primaryInstanceId: string;
  readonly replicaInstanceId: string;
  readonly pools: readonly string[];
}

/** One request of one instance: when it arrives (ms) and what it carries. */
export interface FleetBatch {
  readonly at: number;
  readonly agentId: string;
  readonly role: Role;
  readonly resend: boolean;
  readonly reports: readonly RawReport[];
}

export interface FleetSimulation {
  readonly agents: readonly FleetAgent[];
  /** Number of 300 s ticks simulated. */
  readonly ticks: number;
  /** The batches in arrival order; `tick` tells which tick each belongs to (for progress bars). */
  batches(): Generator<FleetBatch & { tick: number }>;
}

/**
 * A seeded, pure simulation of agents (a primary and a replica each) reporting spot prices on the 300 s
 * grid with jitter, lost reports, short and long outages, replica noise and resends.
 * @example
 * const fleet = createFleetSimulation({ seed: 7, agents: 4, start: Date.UTC(2026, 0, 1) });
 * for (const b of fleet.batches()) { await clock.advanceTo(b.at); await sef.ingest(b.reports, { agentId: b.agentId }); }
 */
export function createFleetSimulation(options: FleetOptions): FleetSimulation {
  const o = { seed: 1, agents: 4, poolsPerAgent: 2, duration: 172_800, step: 300, jitter: 10, dropRate: 0.02, shortOutageRate: 0.004, longOutageRate: 0.0007, noisyReplicaRate: 0.05, resendRate: 0.02, ...options };
  const setupRng = new SeededRandom(o.seed);
  const catalog = simulatedPools().filter((p) => p.region === 'us-east-1');
  const agents: FleetAgent[] = Array.from({ length: o.agents }, (_, i) => {
    const pools: string[] = [];
    while (pools.length < Math.min(o.poolsPerAgent, catalog.length)) {
      const p = setupRng.pick(catalog).id;
      if (!pools.includes(p)) pools.push(p);
    }
    const id = `agent-${String(i + 1).padStart(2, '0')}`;
    return { id, poolId: pools[0]!, primaryInstanceId: `i-${id}-a`, replicaInstanceId: `i-${id}-b`, pools };
  });
  const step = o.step;
  const first = Math.floor(options.start / 1000 / step) * step;
  const ticks = Math.floor(o.duration / step);

  function* batches(): Generator<FleetBatch & { tick: number }> {
    const rng = new SeededRandom(o.seed ^ 0x9e3779b9);
    const prices = new Map<string, number>();
    for (const a of agents) for (const p of a.pools) prices.set(p, (simulatedInstanceTypes[p.split(':')[1]!] ?? 0.1) * (0.25 + rng.next() * 0.2));
    const silentUntil = new Map<string, number>();
    let later: (FleetBatch & { tick: number })[] = [];
    for (let tick = 0; tick < ticks; tick++) {
      const t = first + tick * step;
      for (const [p, v] of prices) prices.set(p, Math.max(0.001, v * (1 + rng.spread(0.004) + (rng.chance(0.01) ? rng.spread(0.05) : 0))));
      const now: (FleetBatch & { tick: number })[] = [];
      for (const a of agents) {
        if ((silentUntil.get(a.id) ?? -1) >= tick) continue;
        if (rng.chance(o.longOutageRate)) silentUntil.set(a.id, tick + rng.int(7, 13));
        else if (rng.chance(o.shortOutageRate)) silentUntil.set(a.id, tick + rng.int(0, 3));
        if ((silentUntil.get(a.id) ?? -1) >= tick) continue;
        for (const role of ['primary', 'replica'] as const) {
          const reports: RawReport[] = [];
          for (const p of a.pools) {
            if (rng.chance(o.dropRate)) continue;
            const base = prices.get(p)!;
            const noise = role === 'primary' ? 0 : rng.chance(o.noisyReplicaRate) ? (rng.chance(0.5) ? 1 : -1) * (0.01 + rng.next() * 0.02) : rng.spread(0.004);
            reports.push({
              instanceId: role === 'primary' ? a.primaryInstanceId : a.replicaInstanceId,
              poolId: p,
              timestamp: t + rng.int(-o.jitter, o.jitter),
              price: Math.round(base * (1 + noise) * 1e6) / 1e6,
            });
          }
          if (reports.length === 0) continue;
          const batch = { at: (t + o.jitter + rng.int(1, 20)) * 1000, agentId: a.id, role, resend: false, reports, tick };
          now.push(batch);
          if (rng.chance(o.resendRate)) later.push({ ...batch, at: batch.at + rng.int(30, 600) * 1000, resend: true });
        }
      }
      const horizon = (t + step) * 1000;
      const due = later.filter((b) => b.at < horizon);
      later = later.filter((b) => b.at >= horizon);
      yield* [...now, ...due.map((b) => ({ ...b, tick }))].sort((x, y) => x.at - y.at);
    }
    yield* later.sort((x, y) => x.at - y.at);
  }

  return { agents, ticks, batches };
}
