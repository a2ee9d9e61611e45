import { ConflictError, NotFoundError } from '../errors/index.js';
import type { Clock } from '../ports/clock.js';
import type { ReplicaStats, ReplicaStore, ReplicaTransitionPatch } from '../ports/replica-store.js';
import type { ReplicaRecord, ReplicaStatus, ReplicaType } from '../ports/types.js';
import type { FenceRegistry } from './fence-registry.js';

export interface MemoryReplicaStoreOptions {
  /** Fencing tokens per agent, shared with the agent and event stores of the same storage. */
  readonly fences: FenceRegistry;
  /** Kept for symmetry with the other memory stores; records carry their own times. */
  readonly clock: Clock;
}

const replicaTypes: readonly ReplicaType[] = ['auto', 'manual', 'emergency'];
/** A frozen copy built field by field, one shape for every record (see the agent store's `freeze`). */
const freezeReplica = (r: ReplicaRecord): ReplicaRecord =>
  Object.freeze({
    id: r.id,
    agentId: r.agentId,
    instanceId: r.instanceId,
    poolId: r.poolId,
    market: r.market,
    replicaType: r.replicaType,
    status: r.status,
    createdAt: r.createdAt,
    readyAt: r.readyAt,
    endedAt: r.endedAt,
    causeId: r.causeId,
  });
const activeStatuses: readonly ReplicaStatus[] = ['launching', 'syncing', 'ready'];

/**
 * An in-memory {@link ReplicaStore}: idempotent create, compare-and-set transitions on the status, fencing
 * by the replica's agent. Records handed out are frozen copies.
 * @example
 * const replicas = createMemoryReplicaStore({ fences: new FenceRegistry(), clock: systemClock });
 * await replicas.create({ id: 'r1', agentId: 'a1', instanceId: null, poolId: 'us-east-1a:c5.large', market: 'spot',
 *   replicaType: 'auto', status: 'launching', createdAt: Date.now(), readyAt: null, endedAt: null, causeId: 'sig-1' });
 * await replicas.transition('r1', ['launching'], 'syncing', { instanceId: 'i-9' });
 */
export function createMemoryReplicaStore(options: MemoryReplicaStoreOptions): ReplicaStore {
  const { fences } = options;
  const replicas = new Map<string, ReplicaRecord>();
  // Ids of each agent's replicas: the sweep lists every agent's replicas, which must not scan them all.
  const idsByAgent = new Map<string, string[]>();
  // Ids of the replicas that ever had each instance id: a heartbeat looks its replica up by instance.
  const idsByInstance = new Map<string, string[]>();
  const indexInstance = (record: ReplicaRecord) => {
    if (record.instanceId === null) return;
    const ids = idsByInstance.get(record.instanceId);
    if (!ids) idsByInstance.set(record.instanceId, [record.id]);
    else if (!ids.includes(record.id)) ids.push(record.id);
  };
  const created = new Map<string, number>();
  // Ids by creation time (ties in creation order): the replica performance query reads the last 7 days every sweep.
  const byCreatedAt: string[] = [];
  const firstCreatedFrom = (t: number, after = false) => {
    let lo = 0;
    let hi = byCreatedAt.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = replicas.get(byCreatedAt[mid]!)!.createdAt;
      if (c < t || (after && c === t)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  // Ids of the replicas in an active status, in `listActive`'s order (creation time, ties in creation order):
  // the sweep and the reconciliation read them every cleanupInterval; statuses change far less often.
  const active: string[] = [];
  const before = (a: ReplicaRecord, b: ReplicaRecord) => a.createdAt < b.createdAt || (a.createdAt === b.createdAt && created.get(a.id)! < created.get(b.id)!);
  const indexStatus = (record: ReplicaRecord) => {
    const at = active.indexOf(record.id);
    const isActive = activeStatuses.includes(record.status);
    if (isActive && at < 0) {
      let lo = 0;
      let hi = active.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (before(replicas.get(active[mid]!)!, record)) lo = mid + 1;
        else hi = mid;
      }
      active.splice(lo, 0, record.id);
    } else if (!isActive && at >= 0) active.splice(at, 1);
  };

  return {
    async create(replica, opts) {
      const existing = replicas.get(replica.id);
      if (existing) return existing;
      fences.check(replica.agentId, opts?.fencingToken);
      const record = freezeReplica(replica);
      replicas.set(record.id, record);
      created.set(record.id, created.size);
      byCreatedAt.splice(firstCreatedFrom(record.createdAt, true), 0, record.id);
      indexInstance(record);
      indexStatus(record);
      const ids = idsByAgent.get(record.agentId);
      if (ids) ids.push(record.id);
      else idsByAgent.set(record.agentId, [record.id]);
      return record;
    },
    async get(id) {
      return replicas.get(id);
    },
    async findByInstance(instanceId) {
      let first: ReplicaRecord | undefined;
      for (const id of idsByInstance.get(instanceId) ?? []) {
        const r = replicas.get(id)!;
        if (r.instanceId === instanceId && (first === undefined || created.get(r.id)! < created.get(first.id)!)) first = r;
      }
      return first;
    },
    async listByAgent(agentId) {
      return (idsByAgent.get(agentId) ?? []).map((id) => replicas.get(id)!).sort((a, b) => a.createdAt - b.createdAt);
    },
    async listActive() {
      return active.map((id) => replicas.get(id)!);
    },
    async transition(id: string, from: readonly ReplicaStatus[], to: ReplicaStatus, patch?: ReplicaTransitionPatch, opts?: { fencingToken?: number }) {
      const current = replicas.get(id);
      if (!current) throw new NotFoundError(`Replica ${id} not found`);
      // Fencing first: a stale holder must learn it lost the lease, whatever the status.
      refuseStale(fences, current.agentId, opts?.fencingToken);
      if (!from.includes(current.status)) {
        throw new ConflictError(`Replica ${id} is ${current.status}, not ${from.join(' or ')}`);
      }
      fences.check(current.agentId, opts?.fencingToken);
      const next = freezeReplica({ ...current, ...definedOnly(patch ?? {}), status: to });
      replicas.set(id, next);
      indexInstance(next);
      indexStatus(next);
      return next;
    },
    async stats(since) {
      const out: ReplicaStats[] = [];
      const recent = byCreatedAt.slice(firstCreatedFrom(since)).map((id) => replicas.get(id)!);
      for (const type of replicaTypes) {
        const rows = recent.filter((r) => r.replicaType === type);
        if (rows.length === 0) continue;
        const ready = rows.filter((r) => r.readyAt !== null);
        const avg = ready.length === 0 ? null : ready.reduce((s, r) => s + (r.readyAt! - r.createdAt) / 1000, 0) / ready.length;
        out.push({
          replicaType: type,
          totalCreated: rows.length,
          avgReadyTimeSec: avg,
          promotedCount: rows.filter((r) => r.status === 'promoted').length,
          terminatedUnused: rows.filter((r) => r.status === 'terminated').length,
        });
      }
      return out;
    },
  };
}

function definedOnly(patch: ReplicaTransitionPatch): ReplicaTransitionPatch {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) out[k] = v;
  return out as ReplicaTransitionPatch;
}

/** Throws `StaleFencingTokenError` for a stale token without recording anything (the write may still fail). */
function refuseStale(fences: FenceRegistry, agentId: string, token: number | undefined): void {
  if (token !== undefined && token < fences.highest(agentId)) fences.check(agentId, token);
}
