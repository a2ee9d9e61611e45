import { ConflictError, createFakeClock, createMemoryStorage, createSef, createSimulatedCloud, SeededRandom, type InterruptionSignal, type Sef } from '@sef/core';
import type { Crunch, World, WorldEvent } from '../world/world.js';
import { observeCloud, type ObservedCloud } from './observed-cloud.js';
import type { Policy } from './policies.js';
import type { ResolvedRunOptions } from './run-options.js';
import { ServiceLedger } from './service-ledger.js';
import { startReplacement } from './replace-policy.js';
import { playSchedule } from './schedule-player.js';

/** A termination notice for an agent's serving instance. */
export interface Interruption {
  readonly agentId: string;
  readonly instanceId: string;
  readonly noticeAt: number;
  readonly actionAt: number;
  /** The rebalance recommendation this instance got before, if any, with SEF's risk score of it. */
  readonly warning: { readonly at: number; readonly score: number | null } | null;
}

/** What one policy's run leaves behind, summarised by `summarise`. */
export interface RunRecord {
  readonly policy: Policy;
  readonly world: World;
  readonly cloud: ObservedCloud;
  readonly ledger: ServiceLedger;
  readonly sef: Sef;
  readonly interruptions: readonly Interruption[];
  readonly replicaInterruptions: number;
  /** Termination flows by SEF's outcome (`promoted`, `emergency_recovery`, `failed`, `replica_interrupted`, ...). */
  readonly outcomes: Readonly<Record<string, number>>;
  readonly operatorRecoveries: number;
  /** Rebalance recommendations delivered for agents' serving instances, with SEF's score. */
  readonly rebalances: readonly { readonly agentId: string; readonly instanceId: string; readonly at: number; score: number | null }[];
  readonly errors: readonly string[];
}

const setupMs = 3_600_000;

/** The id of the `i`-th agent (from 0). */
export const agentIdOf = (i: number): string => `agent-${String(i + 1).padStart(4, '0')}`;
const signalOf = (type: InterruptionSignal['type'], instanceId: string, now: number, actionAt?: number): InterruptionSignal => ({
  type,
  instanceId,
  noticeTime: now,
  source: 'simulated',
  ...(actionAt === undefined ? {} : { actionTime: actionAt, action: 'terminate' as const }),
});

/**
 * Plays one policy over the world: the real SEF (`createSef`) on a fake clock, behind the simulated
 * cloud with the world's prices, pools and capacity; the world's signals delivered as they come.
 */
export async function runPolicy(world: World, policy: Exclude<Policy, { kind: 'on-demand' }>, run: ResolvedRunOptions, onProgress?: (done: number) => void): Promise<RunRecord> {
  const clock = createFakeClock(world.start - setupMs);
  const ledger = new ServiceLedger(() => clock.now());
  const simulated = createSimulatedCloud({
    clock, seed: world.options.seed, latencies: run.latencies, latencySpread: run.latencySpread, prices: world.prices, pools: world.pools, maxCallLog: 100, instanceIdPrefix: 'sim',
  });
  const syncRandom = new SeededRandom(world.options.seed ^ 0x5f3759df);
  let sef: Sef | undefined;
  const tasks = new Set<Promise<unknown>>();
  const errors: string[] = [];
  const track = (work: Promise<unknown>) => {
    const task = work.catch((error: unknown) => void errors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error)));
    tasks.add(task);
    void task.finally(() => tasks.delete(task));
  };
  const cloud = observeCloud({
    cloud: simulated,
    ledger,
    now: () => clock.now(),
    onReplicaLaunched(agentId, instanceId) {
      // The standby's agent syncs the workload's state once the instance runs, then reports ready.
      const syncMs = Math.round(run.syncSeconds * 1000 * (1 + syncRandom.spread(run.latencySpread)));
      const ready = async () => {
        await simulated.compute.waitUntilRunning(instanceId);
        await clock.sleep(syncMs);
        if (cloud.lives.get(instanceId)?.endedAt === null) await sef!.replicaHeartbeat(agentId, instanceId, 'ready');
      };
      tasks.add(ready().catch(() => undefined));
    },
  });
  const storage = createMemoryStorage({ clock, pools: world.pools });
  sef = createSef({
    clock, storage, cloud, instanceId: 'simulator', sweepInterval: 60_000,
    config: policy.kind === 'auto' ? { rebalanceRiskThreshold: policy.threshold } : {},
  });
  const outcomes: Record<string, number> = {};
  const count = (outcome: string) => void (outcomes[outcome] = (outcomes[outcome] ?? 0) + 1);
  sef.on('failover.completed', ({ event }) => count(event.outcome ?? 'unknown'));
  sef.on('failover.failed', () => count('failed'));
  sef.on('replica.promoted', ({ replica }) => replica.instanceId && cloud.promoted(replica.instanceId));
  sef.on('error', ({ error, context }) => void errors.push(`${context}: ${error instanceof Error ? error.message : String(error)}`));
  const latestScore = new Map<string, number>();
  sef.on('risk.scored', (s) => void latestScore.set(s.agentId, s.score));

  // Setup, an hour before the world starts: agents on their first instances, routed, in the policy's mode.
  const agentIds = world.agentPools.map((_, i) => agentIdOf(i));
  for (const [i, id] of agentIds.entries()) {
    const poolId = world.agentPools[i]!;
    const instanceId = `i-${id}-0`;
    cloud.addRunning(instanceId, id, poolId);
    await sef.registerAgent({ id, instanceId, poolId });
    track(cloud.router.route(id, instanceId));
    if (policy.kind === 'auto') track(sef.setModes(id, { autoSwitch: true, autoTerminate: true }));
    if (policy.kind === 'manual') track(sef.enableManualReplica(id));
  }
  sef.start();
  await clock.advanceTo(world.start);

  const interruptions: Interruption[] = [];
  const rebalances: RunRecord['rebalances'][number][] = [];
  const warnings = new Map<string, { at: number; score: number | null }>();
  const doomed = new Map<Crunch, string[]>();
  let replicaInterruptions = 0;
  let operatorRecoveries = 0;
  let relaunches = 0;
  const replacing = new Set<string>();

  // A notice for an instance that is no longer the agent's primary or replica (an old primary still running
  // until its end) is refused by SEF with a ConflictError: that is SEF's answer, not a failure of the run.
  const deliver = (signal: InterruptionSignal, then?: () => void) =>
    track(
      sef!.handleSignal(signal).then(
        () => then?.(),
        (error: unknown) => {
          if (!(error instanceof ConflictError)) throw error;
        },
      ),
    );
  const onWorld = (e: WorldEvent, later: (at: number, fn: () => void) => void) => {
    const now = clock.now();
    if (e.kind === 'capacity') return simulated.faults.noCapacity(e.poolId, !e.available);
    if (e.kind === 'action') {
      for (const id of doomed.get(e.crunch) ?? []) {
        const life = cloud.lives.get(id);
        cloud.reclaim(id);
        if (life) later(now + run.recoveryMinutes * 60_000, () => track(recover(life.agentId)));
      }
      doomed.delete(e.crunch);
      return;
    }
    for (const life of cloud.liveIn(e.poolId)) {
      const serving = ledger.routedTo(life.agentId) === life.instanceId;
      if (e.kind === 'rebalance') {
        if (serving) {
          const rebalance = { agentId: life.agentId, instanceId: life.instanceId, at: now, score: null as number | null };
          rebalances.push(rebalance);
          const warning = { at: now, score: null as number | null };
          warnings.set(life.instanceId, warning);
          deliver(signalOf('rebalance-recommendation', life.instanceId, now), () => {
            rebalance.score = warning.score = latestScore.get(life.agentId) ?? null;
          });
          if (policy.kind === 'replace' && !replacing.has(life.agentId)) track(startReplacement(sef!, life.agentId, replacing, clock));
        } else deliver(signalOf('rebalance-recommendation', life.instanceId, now));
      } else if (world.reclaims(e.crunch, life.instanceId)) {
        doomed.set(e.crunch, [...(doomed.get(e.crunch) ?? []), life.instanceId]);
        if (serving) interruptions.push({ agentId: life.agentId, instanceId: life.instanceId, noticeAt: now, actionAt: e.crunch.actionAt, warning: warnings.get(life.instanceId) ?? null });
        else if (life.role === 'replica' && life.promotedAt === null) replicaInterruptions++;
        deliver(signalOf('termination-notice', life.instanceId, now, e.crunch.actionAt));
      }
    }
  };
  // After a failed failover the workload stays down until someone relaunches it in its pool.
  const recover = async (agentId: string) => {
    if (ledger.served(agentId)) return;
    const agent = await storage.agents.get(agentId);
    if (!agent) return;
    operatorRecoveries++;
    const instanceId = `i-${agentId}-op${++relaunches}`;
    cloud.addRunning(instanceId, agentId, agent.poolId);
    await storage.agents.update(agentId, agent.version, { primaryInstanceId: instanceId, primaryLaunchedAt: clock.now() });
    await cloud.router.route(agentId, instanceId);
  };

  // Each reporting agent samples the price of one pool, the one it started in (as an agent's SEF_POOLS
  // does): its series goes on through failovers, and a tick it is down for is a gap in it.
  const reporters = agentIds.slice(0, run.reportingAgents).map((agentId, i) => ({ agentId, poolId: world.agentPools[i]! }));
  await playSchedule(world, clock, run.reportEverySeconds * 1000, {
    onEvent: onWorld,
    onTick(tick) {
      const reports = reporters.flatMap(({ agentId, poolId }) => {
        const instanceId = ledger.routedTo(agentId);
        if (!ledger.served(agentId) || !instanceId) return [];
        return [{ agentId, instanceId, poolId, timestamp: Math.floor(tick / 1000), price: world.prices.priceAt(poolId, tick) }];
      });
      if (reports.length > 0) track(sef.ingest(reports));
    },
    onProgress,
  });
  // Let flows in flight finish on the clock, then stop SEF.
  let stopped = false;
  const stopping = sef.stop().then(() => (stopped = true));
  for (let i = 0; !stopped && i < 1_000; i++) await clock.advance(10_000);
  await stopping;
  for (let i = 0; tasks.size > 0 && clock.pending() > 0 && i < 1_000; i++) await clock.advance(60_000);
  onProgress?.(1);

  return { policy, world, cloud, ledger, sef, interruptions, replicaInterruptions, outcomes, operatorRecoveries, rebalances, errors };
}
