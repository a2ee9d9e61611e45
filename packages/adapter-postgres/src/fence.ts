import { StaleFencingTokenError } from '@sef/core';
import type { PoolClient } from 'pg';
import type { Tables } from './tables.js';

/**
 * The fencing check of a write, inside the write's transaction: raises the agent's highest token to
 * `token` and locks that row until the transaction ends, or throws `StaleFencingTokenError` when a higher
 * token was seen before (the transaction then rolls back, raising nothing). Returns the highest token.
 */
export async function fence(client: Pick<PoolClient, 'query'>, t: Tables, agentId: string, token: number | undefined): Promise<number | undefined> {
  if (token === undefined) return undefined;
  const { rows } = await client.query<{ seen: string }>(`${upsertFence(t)} VALUES ($1, $2) ${onFenceConflict} RETURNING fencing_token AS seen`, [agentId, token]);
  const seen = Number(rows[0]!.seen);
  if (seen > token) throw new StaleFencingTokenError(`Fencing token ${token} for agent ${agentId} is stale (seen ${seen})`);
  return seen;
}

/** The start of the fence upsert: `${upsertFence(t)} VALUES (…) | SELECT … ${onFenceConflict} RETURNING …`. */
export const upsertFence = (t: Tables): string => `INSERT INTO ${t.fences} AS f (agent_id, fencing_token)`;

/** Raises the agent's highest token, never lowers it: a stale token writes nothing. */
export const onFenceConflict = 'ON CONFLICT (agent_id) DO UPDATE SET fencing_token = greatest(f.fencing_token, excluded.fencing_token)';
