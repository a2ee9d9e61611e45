import type { Pool } from 'pg';
import { translate } from './errors.js';
import { migrations as allMigrations, type Migration } from './migrations.js';
import { quoteIdent, tables } from './tables.js';

export interface MigrateOptions {
  /** Schema to create the tables in (created if missing). @default the first schema of the connection's `search_path` */
  readonly schema?: string;
}

export interface MigrateResult {
  /** Versions applied by this call, oldest first; empty when the schema was already current. */
  readonly applied: number[];
  /** The schema's version after the call. */
  readonly version: number;
}

/**
 * Brings the schema to the latest version. Every pending migration runs in one transaction under an
 * advisory lock on the schema's name, so several processes may call it at once: the first applies the
 * migrations, the others wait and then find nothing to do. A failed migration applies nothing.
 * @example
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * await migrate(pool, { schema: 'sef' });
 */
export async function migrate(pool: Pool, options: MigrateOptions = {}, list: readonly Migration[] = allMigrations): Promise<MigrateResult> {
  const t = tables(options.schema);
  const client = await pool.connect();
  const onError = () => undefined; // the failing query below reports it
  client.on('error', onError);
  let failed: Error | undefined;
  try {
    await client.query('BEGIN');
    const target = options.schema ?? (await client.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]?.s;
    if (target === undefined) throw new Error('No schema given and the search_path names none that exists');
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`sef:migrate:${target}`]);
    if (options.schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(options.schema)}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${t.migrations} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = new Set((await client.query<{ version: number }>(`SELECT version FROM ${t.migrations}`)).rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of [...list].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await client.query(m.sql(t));
      await client.query(`INSERT INTO ${t.migrations} (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return { applied, version: Math.max(0, ...done, ...applied) };
  } catch (error) {
    failed = error as Error;
    await client.query('ROLLBACK').catch(() => undefined);
    throw translate(error, 'migrate');
  } finally {
    client.off('error', onError);
    client.release(failed);
  }
}
