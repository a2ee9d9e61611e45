import { ConflictError, NotFoundError } from '../errors/index.js';
import type { EventStore, FailoverStats } from '../ports/event-store.js';
import type { InterruptionEventRecord, SystemEventRecord } from '../ports/types.js';
import { utcHour } from '../risk/time-of-day.js';
import type { FenceRegistry } from './fence-registry.js';

export interface MemoryEventStoreOptions {
  /** Fencing tokens per agent, shared with the agent and replica stores of the same storage. */
  readonly fences: FenceRegistry;
}

const freezeEvent = (e: InterruptionEventRecord): InterruptionEventRecord => Object.freeze({ ...e, steps: Object.freeze([...e.steps]) });

/**
 * An in-memory {@link EventStore}: `recordSignal` is the exactly-once gate (insert if absent, also by the
 * primary pin), step saves and completion are fenced and only for open notices; system events are kept in
 * insertion order.
 * @example
 * const events = createMemoryEventStore({ fences: new FenceRegistry() });
 * const { created } = await events.recordSignal(event);
 * if (created) await events.completeSignal(event.id, { responseTimeMs: 900, success: true, outcome: 'promoted', steps: [] });
 */
export function createMemoryEventStore(options: MemoryEventStoreOptions): EventStore {
  const { fences } = options;
  const signals = new Map<string, InterruptionEventRecord>();
  // Indexes, so that no call scans every signal ever recorded: the open ones (the sweep's resumption asks
  // every sweep), the termination notices per pool (the risk factor's), the primary pins (every receipt).
  const open = new Set<string>();
  const noticesByPool = new Map<string, string[]>();
  const pins = new Map<string, string>();
  const pinKey = (e: InterruptionEventRecord) => `${e.agentId}\u0000${e.signalType}\u0000${e.noticeTime}`;
  /** Termination notices in `poolId` detected at or after `since`: the history risk factor's events. */
  const interruptions = (poolId: string, since: number) =>
    (noticesByPool.get(poolId) ?? []).map((id) => signals.get(id)!).filter((s) => s.detectedAt >= since);
  const system: SystemEventRecord[] = [];

  /** The open notice `id` for a fenced write: `NotFoundError`, stale token, then `ConflictError` when complete. */
  const openForWrite = (id: string, token: number | undefined): InterruptionEventRecord => {
    const current = signals.get(id);
    if (!current) throw new NotFoundError(`Signal ${id} not found`);
    refuseStale(fences, current.agentId, token);
    if (current.success !== null) throw new ConflictError(`Signal ${id} is already complete`);
    fences.check(current.agentId, token);
    return current;
  };
  /** The primary notice of the same agent, type and notice time: the pin of a notice sent without its instance. */
  const pinned = (e: InterruptionEventRecord) => {
    const id = e.instanceRole === 'primary' ? pins.get(pinKey(e)) : undefined;
    return id === undefined ? undefined : signals.get(id);
  };

  return {
    async recordSignal(event) {
      const existing = signals.get(event.id) ?? pinned(event);
      if (existing) return { created: false, event: existing };
      const record = freezeEvent(event);
      signals.set(record.id, record);
      if (record.success === null) open.add(record.id);
      if (record.instanceRole === 'primary') pins.set(pinKey(record), record.id);
      if (record.signalType === 'termination-notice') {
        const ids = noticesByPool.get(record.poolId);
        if (ids) ids.push(record.id);
        else noticesByPool.set(record.poolId, [record.id]);
      }
      return { created: true, event: record };
    },
    async saveSteps(id, steps, opts) {
      const next = freezeEvent({ ...openForWrite(id, opts?.fencingToken), steps });
      signals.set(id, next);
      return next;
    },
    async completeSignal(id, outcome, opts) {
      const current = openForWrite(id, opts?.fencingToken);
      const next = freezeEvent({
        ...current,
        responseTimeMs: outcome.responseTimeMs,
        success: outcome.success,
        outcome: outcome.outcome,
        steps: outcome.steps,
      });
      signals.set(id, next);
      if (next.success !== null) open.delete(id);
      return next;
    },
    async getSignal(id, opts) {
      const current = signals.get(id);
      if (current) fences.check(current.agentId, opts?.fencingToken);
      return current;
    },
    async listOpenSignals({ limit } = {}) {
      const rows = [...open].map((id) => signals.get(id)!).sort((a, b) => a.deadline - b.deadline);
      return limit === undefined ? rows : rows.slice(0, limit);
    },
    async listSignals({ since, agentId, instanceId, limit }) {
      const rows = [...signals.values()]
        .filter((s) => s.detectedAt >= since && (agentId === undefined || s.agentId === agentId) && (instanceId === undefined || s.instanceId === instanceId))
        .sort((a, b) => b.detectedAt - a.detectedAt);
      return limit === undefined ? rows : rows.slice(0, limit);
    },
    async countInterruptions(poolId, since) {
      return interruptions(poolId, since).length;
    },
    async interruptionsByHour(poolId, since) {
      const byHour = new Array<number>(24).fill(0);
      for (const s of interruptions(poolId, since)) byHour[utcHour(s.detectedAt)]!++;
      return byHour;
    },
    async failoverStats(since, { signalType } = {}) {
      const rows = [...signals.values()].filter((s) => (signalType === undefined || s.signalType === signalType) && s.detectedAt >= since);
      const timed = rows.filter((s) => s.responseTimeMs !== null).map((s) => s.responseTimeMs! / 1000);
      const stats: FailoverStats = {
        avgResponseSec: timed.length === 0 ? null : timed.reduce((a, b) => a + b, 0) / timed.length,
        fastestSec: timed.length === 0 ? null : Math.min(...timed),
        slowestSec: timed.length === 0 ? null : Math.max(...timed),
        successful: rows.filter((s) => s.success === true).length,
        totalEvents: rows.length,
      };
      return stats;
    },
    async appendSystemEvent(event) {
      system.push(Object.freeze({ ...event, payload: Object.freeze({ ...event.payload }) }));
    },
    async systemEvents({ since, agentId, typePrefix, limit }) {
      const rows: SystemEventRecord[] = [];
      for (let i = system.length - 1; i >= 0; i--) {
        const e = system[i]!;
        if (e.createdAt < since) continue;
        if (agentId !== undefined && e.agentId !== agentId) continue;
        if (typePrefix !== undefined && !e.eventType.startsWith(typePrefix)) continue;
        rows.push(e);
      }
      // Stable newest-first: equal times keep reverse insertion order.
      rows.sort((a, b) => b.createdAt - a.createdAt);
      return limit === undefined ? rows : rows.slice(0, limit);
    },
  };
}

/** Throws `StaleFencingTokenError` for a stale token without recording anything (the write may still fail). */
function refuseStale(fences: FenceRegistry, agentId: string, token: number | undefined): void {
  if (token !== undefined && token < fences.highest(agentId)) fences.check(agentId, token);
}
