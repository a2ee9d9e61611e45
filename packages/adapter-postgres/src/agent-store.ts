import { ConflictError, NotFoundError, StaleFencingTokenError, exclusionMessage, type AgentModes, type AgentPatch, type AgentRecord, type AgentStore, type Clock, type NewAgent } from '@sef/core';
import { query, withClient, type Db } from './db.js';
import { translate, violates } from './errors.js';
import { fence, onFenceConflict, upsertFence } from './fence.js';
import { num } from './rows.js';
import { fromMs, toMs, type Tables } from './tables.js';

const modeCheck = 'chk_replica_mode_exclusion';

const columns = `id, region, pool_id, primary_instance_id, ${toMs('primary_launched_at')} AS primary_launched_at,
  replica_instance_id, auto_switch_enabled, auto_terminate_enabled, manual_replica_enabled, token_hash,
  version, fencing_token, ${toMs('created_at')} AS created_at`;

function agentFromRow(r: Record<string, unknown>): AgentRecord {
  return {
    id: r['id'] as string,
    region: r['region'] as string,
    poolId: r['pool_id'] as string,
    primaryInstanceId: r['primary_instance_id'] as string,
    primaryLaunchedAt: num(r['primary_launched_at']),
    replicaInstanceId: r['replica_instance_id'] as string | null,
    modes: {
      autoSwitch: r['auto_switch_enabled'] as boolean,
      autoTerminate: r['auto_terminate_enabled'] as boolean,
      manualReplica: r['manual_replica_enabled'] as boolean,
    },
    tokenHash: r['token_hash'] as string | null,
    version: num(r['version']),
    fencingToken: num(r['fencing_token']),
    createdAt: num(r['created_at']),
  };
}

/**
 * The {@link AgentStore} on `agents`. The mode exclusion is the table's CHECK constraint
 * (`chk_replica_mode_exclusion`), whose violation becomes `ConflictError`; `update` checks the fencing
 * token and the version, and writes, in one statement.
 */
export function createPostgresAgentStore(db: Db, t: Tables, clock: Clock): AgentStore {
  const select = `SELECT ${columns} FROM ${t.agents}`;
  return {
    async create(agent: NewAgent) {
      const modes = { autoSwitch: false, autoTerminate: false, manualReplica: false, ...agent.modes };
      const now = clock.now();
      try {
        const rows = await query(
          db,
          'AgentStore.create',
          `INSERT INTO ${t.agents} (id, region, pool_id, primary_instance_id, primary_launched_at, auto_switch_enabled,
             auto_terminate_enabled, manual_replica_enabled, token_hash, created_at)
           VALUES ($1, $2, $3, $4, ${fromMs('$5')}, $6, $7, $8, $9, ${fromMs('$10')}) RETURNING ${columns}`,
          [agent.id, agent.region, agent.poolId, agent.primaryInstanceId, agent.primaryLaunchedAt ?? now,
            modes.autoSwitch, modes.autoTerminate, modes.manualReplica, agent.tokenHash ?? null, agent.createdAt ?? now],
        );
        return agentFromRow(rows[0]!);
      } catch (error) {
        if (violates((error as { cause?: unknown }).cause, modeCheck)) throw new ConflictError(exclusionMessage(undefined), { cause: error });
        if ((error as { code?: string }).code === 'CONFLICT') throw new ConflictError(`Agent ${agent.id} already exists`, { cause: error });
        throw error;
      }
    },

    async get(id) {
      const rows = await query(db, 'AgentStore.get', `${select} WHERE id = $1`, [id]);
      return rows[0] && agentFromRow(rows[0]);
    },

    async list() {
      return (await query(db, 'AgentStore.list', `${select} ORDER BY created_at, id`)).map(agentFromRow);
    },

    async findByInstance(instanceId) {
      const rows = await query(
        db,
        'AgentStore.findByInstance',
        `${select} WHERE primary_instance_id = $1 OR replica_instance_id = $1 ORDER BY created_at, id LIMIT 1`,
        [instanceId],
      );
      return rows[0] && agentFromRow(rows[0]);
    },

    async highestFencingToken(id) {
      const rows = await query<{ seen: string }>(
        db,
        'AgentStore.highestFencingToken',
        `SELECT greatest(coalesce((SELECT fencing_token FROM ${t.fences} WHERE agent_id = $1), 0),
                         coalesce((SELECT fencing_token FROM ${t.agents} WHERE id = $1), 0)) AS seen`,
        [id],
      );
      return num(rows[0]?.seen ?? 0);
    },

    async fence(id, token) {
      // One statement, no transaction around it: a stale token raises nothing (the upsert keeps the highest).
      await withClient(db, (client) => fence(client, t, id, token)).catch((error: unknown) => {
        throw error instanceof StaleFencingTokenError ? error : translate(error, 'AgentStore.fence');
      });
    },

    update(id, expectedVersion, patch, options) {
      return update(id, expectedVersion, patch, options?.fencingToken);
    },
  };

  /**
   * One statement: the agent's fence row raised first (the order of every fenced write), then the row
   * updated only at `expectedVersion` and with a token not stale, rechecked on its newest version. When
   * nothing was written, a read says why (not found, stale token, another version).
   */
  async function update(id: string, expectedVersion: number, patch: AgentPatch, token: number | undefined): Promise<AgentRecord> {
    const values: unknown[] = [id, expectedVersion, token ?? null];
    const sets: string[] = ['version = version + 1'];
    const set = (column: string, value: unknown, cast = '') => {
      values.push(value);
      sets.push(`${column} = ${cast ? cast.replace('$', `$${values.length}`) : `$${values.length}`}`);
    };
    if (patch.poolId !== undefined) set('pool_id', patch.poolId);
    if (patch.primaryInstanceId !== undefined) set('primary_instance_id', patch.primaryInstanceId);
    if (patch.primaryLaunchedAt !== undefined) set('primary_launched_at', patch.primaryLaunchedAt, fromMs('$'));
    if (patch.replicaInstanceId !== undefined) set('replica_instance_id', patch.replicaInstanceId);
    if (patch.tokenHash !== undefined) set('token_hash', patch.tokenHash);
    if (patch.modes !== undefined) {
      set('auto_switch_enabled', patch.modes.autoSwitch);
      set('auto_terminate_enabled', patch.modes.autoTerminate);
      set('manual_replica_enabled', patch.modes.manualReplica);
    }
    if (token !== undefined) sets.push('fencing_token = greatest(fencing_token, $3::bigint)');
    let rows: Record<string, unknown>[];
    try {
      rows = await query(
        db,
        'AgentStore.update',
        `WITH f AS (${upsertFence(t)} SELECT id, $3::bigint FROM ${t.agents} WHERE id = $1 AND $3::bigint IS NOT NULL AND version = $2 ${onFenceConflict} RETURNING fencing_token AS seen)
         UPDATE ${t.agents} SET ${sets.join(', ')} WHERE id = $1 AND version = $2 AND ($3::bigint IS NULL OR (SELECT seen FROM f) <= $3::bigint) RETURNING ${columns}`,
        values,
      );
    } catch (error) {
      // `query` wraps the driver's error: the refusal keeps the driver's (the CHECK violation) as its cause.
      const driverError = (error as { cause?: unknown }).cause;
      if (violates(driverError, modeCheck)) {
        const before = (await query(db, 'AgentStore.update', `${select} WHERE id = $1`, [id]))[0];
        throw new ConflictError(exclusionMessage(before ? agentFromRow(before).modes : undefined), { cause: driverError });
      }
      throw error;
    }
    if (rows[0]) return agentFromRow(rows[0]);
    const [why] = await query<{ version: string; seen: string | null; token: string }>(
      db,
      'AgentStore.update',
      `SELECT a.version, f.fencing_token AS seen, a.fencing_token AS token FROM ${t.agents} a LEFT JOIN ${t.fences} f ON f.agent_id = a.id WHERE a.id = $1`,
      [id],
    );
    if (!why) throw new NotFoundError(`Agent ${id} not found`);
    const seen = Math.max(Number(why.seen ?? 0), Number(why.token));
    if (token !== undefined && seen > token) throw new StaleFencingTokenError(`Fencing token ${token} for agent ${id} is stale (seen ${seen})`);
    throw new ConflictError(`Agent ${id} changed: expected version ${expectedVersion}, found ${why.version}`);
  }
}
