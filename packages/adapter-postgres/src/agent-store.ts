import { ConflictError, NotFoundError, StaleFencingTokenError, exclusionMessage, type AgentModes, type AgentPatch, type AgentRecord, type AgentStore, type Clock, type NewAgent } from '@sef/core';
import type { PoolClient } from 'pg';
import { query, transaction, withClient, type Db } from './db.js';
import { translate, violates } from './errors.js';
import { fence } from './fence.js';
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
 * (`chk_replica_mode_exclusion`), whose violation becomes `ConflictError`; `update` locks the row, checks
 * the fencing token and the version, and writes, all in one transaction.
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
      return transaction(db, 'AgentStore.update', (client) => update(client, id, expectedVersion, patch, options?.fencingToken));
    },
  };

  async function update(client: PoolClient, id: string, expectedVersion: number, patch: AgentPatch, token: number | undefined) {
    const current = (await client.query(`${select} WHERE id = $1 FOR UPDATE`, [id])).rows[0];
    if (!current) throw new NotFoundError(`Agent ${id} not found`);
    const before = agentFromRow(current);
    await fence(client, t, id, token);
    if (before.version !== expectedVersion) {
      throw new ConflictError(`Agent ${id} changed: expected version ${expectedVersion}, found ${before.version}`);
    }
    const sets: string[] = ['version = version + 1'];
    const values: unknown[] = [id];
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
    if (token !== undefined) set('fencing_token', token, 'greatest(fencing_token, $::bigint)');
    try {
      const { rows } = await client.query(`UPDATE ${t.agents} SET ${sets.join(', ')} WHERE id = $1 RETURNING ${columns}`, values);
      return agentFromRow(rows[0]!);
    } catch (error) {
      if (violates(error, modeCheck)) throw new ConflictError(exclusionMessage(before.modes), { cause: error });
      throw error;
    }
  }
}
