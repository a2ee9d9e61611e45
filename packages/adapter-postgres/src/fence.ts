import { StaleFencingTokenError } from '@sef/core';
import type { PoolClient } from 'pg';
import type { Tables } from './tables.js';

/**
 * The fencing check of a write, inside the write's transaction: raises the agent's highest token to
 * `token` and locks that row until the transaction ends, or throws `StaleFencingTokenError` when a higher
 * token was seen before (the transaction then rolls back, raising nothing). Returns the highest token.
 */
export async function fence(client: PoolClient, t: Tables, agentId: string, token: number | undefined): Promise<number | undefined> {
  if (token === undefined) return undefined;
  const { rows } = await client.query<{ seen: string }>(
    `INSERT INTO ${t.fences} AS f (agent_id, fencing_token) VALUES ($1, $2)
     ON CONFLICT (agent_id) DO UPDATE SET fencing_token = greatest(f.fencing_token, excluded.fencing_token)
     RETURNING fencing_token AS seen`,
    [agentId, token],
  );
  const seen = Number(rows[0]!.seen);
  if (seen > token) throw new StaleFencingTokenError(`Fencing token ${token} for agent ${agentId} is stale (seen ${seen})`);
  return seen;
}
