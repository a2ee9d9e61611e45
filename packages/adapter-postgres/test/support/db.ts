import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { SefStorage } from '@sef/core';
import { createPostgresStorage, migrate, type PostgresStorageOptions } from '../../src/index.js';

export const postgresUrl = process.env.SEF_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Skipped only when the test runner found no server outside CI (it sets SEF_TEST_SKIP). */
export const skipPostgres = (process.env.SEF_TEST_SKIP ?? '').split(',').includes('postgres');

export interface TestDb {
  readonly schema: string;
  /** A pool whose connections see the test's schema first on their `search_path`. */
  readonly pool: pg.Pool;
  readonly storage: SefStorage;
  /** Another pool on the same schema (a second SEF instance). */
  open(options?: Partial<PostgresStorageOptions>): { pool: pg.Pool; storage: SefStorage };
  /** Raw SQL on the test's schema, to check what was really stored. */
  sql<R extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
  teardown(): Promise<void>;
}

const newPool = (schema: string, max = 6) => {
  const pool = new pg.Pool({ connectionString: postgresUrl, max, options: `-c search_path=${schema}` });
  pool.on('error', () => undefined);
  return pool;
};

/** A schema of its own (`test_<uuid>`), migrated, with a storage on it; `teardown` drops it. */
export async function createTestDb(options: Partial<PostgresStorageOptions> = {}): Promise<TestDb> {
  const schema = `test_${randomUUID().replaceAll('-', '')}`;
  const pool = newPool(schema);
  await pool.query(`CREATE SCHEMA ${schema}`);
  await migrate(pool);
  const pools = [pool];
  const open = (extra: Partial<PostgresStorageOptions> = {}) => {
    const p = newPool(schema);
    pools.push(p);
    return { pool: p, storage: createPostgresStorage({ onError: () => undefined, ...extra, pool: p }) };
  };
  return {
    schema,
    pool,
    storage: createPostgresStorage({ onError: () => undefined, ...options, pool }),
    open,
    sql: async (text, values = []) => (await pool.query(text, values)).rows,
    async teardown() {
      await pool.query(`DROP SCHEMA ${schema} CASCADE`);
      await Promise.all(pools.map((p) => p.end()));
    },
  };
}
