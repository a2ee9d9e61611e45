import { setTimeout as sleep } from 'node:timers/promises';
import { ConflictError, createFleetSimulation, type AgentRecord, type FleetBatch } from '@sef/core';
import type { Logger } from 'pino';
import type { ServerSef } from './sef-api.js';

export interface FleetFeedOptions {
  readonly sef: ServerSef;
  readonly log: Logger;
  /** @default 4 */
  readonly agents?: number;
  /** @default 1 */
  readonly seed?: number;
  /** Simulated history fed at once at start, so the dashboard has a timeline to show (seconds). @default 21600 */
  readonly history?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** Called with each agent the feed registers (the composition's `adoptAgent`). */
  readonly onAgentRegistered?: (agent: AgentRecord) => void;
}

/**
 * Feeds SEF from the core's seeded fleet simulation in real time, like real agents would: history first,
 * then each batch when its time comes. Reports are sent as the agent's *current* primary or replica
 * (SEF's state, which changes with every switch), and a replica that SEF launched reports `ready` once it
 * reports prices, as the agent program on it would. Two agents start in manual and auto mode.
 */
export function startFleetFeed(options: FleetFeedOptions): { stop(): Promise<void> } {
  const { sef, log } = options;
  const now = options.now ?? (() => Date.now());
  const history = options.history ?? 21_600;
  const fleet = createFleetSimulation({ seed: options.seed ?? 1, agents: options.agents ?? 4, start: now() - history * 1000, duration: history + 30 * 86_400 });
  const abort = new AbortController();

  async function registerAll(): Promise<void> {
    for (const a of fleet.agents) {
      try {
        options.onAgentRegistered?.(await sef.registerAgent({ id: a.id, instanceId: a.primaryInstanceId, poolId: a.poolId }));
        log.info({ agentId: a.id, poolId: a.poolId }, `simulated fleet: registered ${a.id}`);
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
      }
    }
  }

  // After the history: reports of an agent with a replica wait for their twin, so history fed after
  // the modes would only show up once the dedupe window has passed.
  async function setModes(): Promise<void> {
    const [manual, auto] = fleet.agents;
    const tryMode = (what: string, f: () => Promise<unknown>) => f().catch((error: unknown) => log.warn({ err: error }, `simulated fleet: ${what} failed`));
    if (manual) await tryMode(`manual replica for ${manual.id}`, () => sef.enableManualReplica(manual.id));
    if (auto) await tryMode(`auto mode for ${auto.id}`, () => sef.setModes(auto.id, { autoSwitch: true, autoTerminate: true }));
  }

  async function send(batch: FleetBatch): Promise<void> {
    const agent = await sef.storage.agents.get(batch.agentId);
    if (!agent) return;
    const instanceId = batch.role === 'primary' ? agent.primaryInstanceId : agent.replicaInstanceId;
    if (instanceId === null) return;
    if (batch.role === 'replica') {
      const replica = await sef.storage.replicas.findByInstance(instanceId);
      // A replica still booting sends nothing; once it runs, its agent reports prices and `ready`.
      if (!replica || replica.status === 'launching') return;
      if (replica.status === 'syncing') await sef.replicaHeartbeat(agent.id, instanceId, 'ready');
    }
    await sef.ingest(batch.reports.map((r) => ({ ...r, instanceId })), { agentId: agent.id });
  }

  const done = (async () => {
    await registerAll();
    const batches = fleet.batches();
    let fedHistory = false;
    for (let next = batches.next(); !next.done && !abort.signal.aborted; next = batches.next()) {
      const wait = next.value.at - now();
      if (wait > 0) {
        if (!fedHistory) {
          fedHistory = true;
          log.info('simulated fleet: history fed, now reporting in real time');
          await setModes();
        }
        await sleep(wait, undefined, { signal: abort.signal }).catch(() => undefined);
        if (abort.signal.aborted) break;
      }
      await send(next.value).catch((error: unknown) => log.warn({ err: error }, 'simulated fleet: batch failed'));
    }
  })().catch((error: unknown) => log.error({ err: error }, 'simulated fleet stopped'));

  return {
    async stop() {
      abort.abort();
      await done;
    },
  };
}
