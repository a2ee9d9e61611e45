import pg from 'pg';
import { StorageError } from '@sef/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPostgresStorage } from '../src/index.js';
import { isRetryable, isTimeout } from '../src/errors.js';
import { createTestDb, postgresUrl, skipPostgres, type TestDb } from './support/db.js';

describe('what counts as a timeout', () => {
  it("the server's statement_timeout (57014) and pg's client-side timeouts are retryable timeouts; other errors are not timeouts", () => {
    for (const e of [{ code: '57014', message: 'canceling statement due to statement timeout' }, new Error('Query read timeout'), new Error('timeout exceeded when trying to connect'), new Error('Connection terminated due to connection timeout')]) {
      expect(isTimeout(e)).toBe(true);
      expect(isRetryable(e)).toBe(true);
    }
    for (const e of [{ code: '23505' }, { code: '40001' }, new Error('syntax error at or near')]) expect(isTimeout(e)).toBe(false);
  });
});

describe.skipIf(skipPostgres)('deadlines on the pool (a row lock held by another connection)', () => {
  let db: TestDb;
  let pool: pg.Pool;
  beforeEach(async () => {
    db = await createTestDb();
    pool = new pg.Pool({ connectionString: postgresUrl, max: 2, options: `-c search_path=${db.schema}`, statement_timeout: 200, query_timeout: 2_000 });
    pool.on('error', () => undefined);
  });
  afterEach(async () => {
    await pool.end();
    await db.teardown();
  });

  it('a transaction that runs out of time fails once, fast, with a retryable StorageError (not re-attempted four times)', async () => {
    await db.storage.agents.create({ id: 'a1', region: 'us-east-1', poolId: 'us-east-1a:c5.large', primaryInstanceId: 'i-1' });
    const storage = createPostgresStorage({ pool, onError: () => undefined, attempts: 4 });
    const holder = await db.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT * FROM agents WHERE id = 'a1' FOR UPDATE`);
      const t0 = performance.now();
      const error = await storage.agents.update('a1', 1, { modes: { autoSwitch: true, autoTerminate: false, manualReplica: false } }).catch((e: unknown) => e);
      const ms = performance.now() - t0;
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).retryable).toBe(true);
      // One attempt waits 200 ms; four would wait 800 ms plus backoffs.
      expect(ms).toBeLessThan(600);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
  });
});
