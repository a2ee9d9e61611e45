import { ConflictError, NotFoundError, StaleFencingTokenError, type Market, type ReplicaRecord, type ReplicaStatus, type ReplicaStore, type ReplicaTransitionPatch, type ReplicaType } from '@sef/core';
import { query, transaction, type Db } from './db.js';
import { fence, onFenceConflict, upsertFence } from './fence.js';
import { monitoringSql, replicaStatsRow } from './monitoring-sql.js';
import { num, numOrNull } from './rows.js';
import { fromMs, toMs, type Tables } from './tables.js';

const columns = `id, agent_id, instance_id, pool_id, market, replica_type, status, ${toMs('created_at')} AS created_at,
  ${toMs('ready_at')} AS ready_at, ${toMs('ended_at')} AS ended_at, cause_id`;

function replicaFromRow(r: Record<string, unknown>): ReplicaRecord {
  return {
    id: r['id'] as string,
    agentId: r['agent_id'] as string,
    instanceId: r['instance_id'] as string | null,
    poolId: r['pool_id'] as string,
    market: r['market'] as Market,
    replicaType: r['replica_type'] as ReplicaType,
    status: r['status'] as ReplicaStatus,
    createdAt: num(r['created_at']),
    readyAt: numOrNull(r['ready_at']),
    endedAt: numOrNull(r['ended_at']),
    causeId: r['cause_id'] as string,
  };
}

/**
 * The {@link ReplicaStore} on `replica_instances`. `create` is an insert-if-absent; `transition` checks the
 * fencing token (shared per agent with the other stores) and the status, and writes, in one statement.
 */
export function createPostgresReplicaStore(db: Db, t: Tables): ReplicaStore {
  const select = `SELECT ${columns} FROM ${t.replicas}`;
  const monitoring = monitoringSql(t, fromMs('$1'));
  return {
    create(replica, options) {
      return transaction(db, 'ReplicaStore.create', async (client) => {
        const existing = (await client.query(`${select} WHERE id = $1`, [replica.id])).rows[0];
        if (existing) return replicaFromRow(existing);
        await fence(client, t, replica.agentId, options?.fencingToken);
        const { rows } = await client.query(
          `INSERT INTO ${t.replicas} (id, agent_id, instance_id, pool_id, market, replica_type, status, created_at, ready_at, ended_at, cause_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, ${fromMs('$8')}, ${fromMs('$9')}, ${fromMs('$10')}, $11)
           ON CONFLICT (id) DO NOTHING RETURNING ${columns}`,
          [replica.id, replica.agentId, replica.instanceId, replica.poolId, replica.market, replica.replicaType, replica.status,
            replica.createdAt, replica.readyAt, replica.endedAt, replica.causeId],
        );
        // A concurrent create won the race: its record stands.
        return replicaFromRow(rows[0] ?? (await client.query(`${select} WHERE id = $1`, [replica.id])).rows[0]!);
      });
    },

    async get(id) {
      const rows = await query(db, 'ReplicaStore.get', `${select} WHERE id = $1`, [id]);
      return rows[0] && replicaFromRow(rows[0]);
    },

    async findByInstance(instanceId) {
      const rows = await query(db, 'ReplicaStore.findByInstance', `${select} WHERE instance_id = $1 ORDER BY created_at LIMIT 1`, [instanceId]);
      return rows[0] && replicaFromRow(rows[0]);
    },

    async listByAgent(agentId) {
      return (await query(db, 'ReplicaStore.listByAgent', `${select} WHERE agent_id = $1 ORDER BY created_at, id`, [agentId])).map(replicaFromRow);
    },

    async listActive() {
      return (await query(db, 'ReplicaStore.listActive', `${select} WHERE status IN ('launching', 'syncing', 'ready') ORDER BY created_at, id`)).map(replicaFromRow);
    },

    async transition(id: string, from: readonly ReplicaStatus[], to: ReplicaStatus, patch: ReplicaTransitionPatch = {}, options?: { fencingToken?: number }) {
      const token = options?.fencingToken;
      // One statement: the agent's fence row raised first (the order of every fenced write), then the row
      // updated only from a status of `from` and with a token not stale, rechecked on its newest version.
      const rows = await query(
        db,
        'ReplicaStore.transition',
        `WITH f AS (${upsertFence(t)} SELECT agent_id, $11::bigint FROM ${t.replicas} WHERE id = $1 AND $11::bigint IS NOT NULL AND status = ANY($12::text[])
                    ${onFenceConflict} RETURNING fencing_token AS seen)
         UPDATE ${t.replicas} SET status = $2,
           instance_id = CASE WHEN $3 THEN $4 ELSE instance_id END,
           ready_at = CASE WHEN $5 THEN ${fromMs('$6')} ELSE ready_at END,
           ended_at = CASE WHEN $7 THEN ${fromMs('$8')} ELSE ended_at END,
           pool_id = coalesce($9, pool_id),
           market = coalesce($10, market)
         WHERE id = $1 AND status = ANY($12::text[]) AND ($11::bigint IS NULL OR (SELECT seen FROM f) <= $11::bigint)
         RETURNING ${columns}`,
        [id, to, patch.instanceId !== undefined, patch.instanceId ?? null, patch.readyAt !== undefined, patch.readyAt ?? null,
          patch.endedAt !== undefined, patch.endedAt ?? null, patch.poolId ?? null, patch.market ?? null, token ?? null, from],
      );
      if (rows[0]) return replicaFromRow(rows[0]);
      // Nothing written: why. Fencing first: a stale holder must learn it lost the lease, whatever the status.
      const [why] = await query<{ status: ReplicaStatus; seen: string | null }>(
        db,
        'ReplicaStore.transition',
        `SELECT r.status, f.fencing_token AS seen FROM ${t.replicas} r LEFT JOIN ${t.fences} f ON f.agent_id = r.agent_id WHERE r.id = $1`,
        [id],
      );
      if (!why) throw new NotFoundError(`Replica ${id} not found`);
      if (token !== undefined && why.seen !== null && Number(why.seen) > token) throw new StaleFencingTokenError(`Fencing token ${token} for replica ${id} is stale (seen ${why.seen})`);
      throw new ConflictError(`Replica ${id} is ${why.status}, not ${from.join(' or ')}`);
    },

    async stats(since) {
      return (await query(db, 'ReplicaStore.stats', monitoring.replicaPerformance, [since])).map(replicaStatsRow);
    },
  };
}
