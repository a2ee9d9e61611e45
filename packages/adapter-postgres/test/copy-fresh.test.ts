import fc from 'fast-check';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StoredPoint } from '@sef/core';
import { pgMicros } from '../src/direct-copy.js';
import { createTestDb, postgresUrl, skipPostgres, type TestDb } from './support/db.js';

const T = 1_767_225_600; // 2026-01-01T00:00:00Z
const series = { agentId: 'a1', poolId: 'us-east-1a:c5.large' };
const point = (timestamp: number, price: number): StoredPoint => ({
  ...series, timestamp, price, flag: 'single_source', source: 'primary', primaryPrice: price, replicaPrice: null, replicaTimestamp: null,
});

describe('pgMicros', () => {
  it('has no value for what is not a time within 2^53 microseconds of 2000-01-01', () => {
    expect([Number.NaN, Number.POSITIVE_INFINITY, 946_684_800 + 9.1e9, 946_684_800 - 9.1e9].map(pgMicros)).toEqual([undefined, undefined, undefined, undefined]);
    expect(pgMicros(T + 0.5)).toBe((T - 946_684_800) * 1e6 + 500_000);
  });
});

describe.skipIf(skipPostgres)('rows known to be new are copied straight into pricing_reports', () => {
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: postgresUrl, max: 1 });
  });
  afterAll(async () => pool.end());

  it('lands on the same microsecond as to_timestamp, halves of a microsecond included', async () => {
    const seconds = fc.oneof(
      fc.double({ min: 946_684_800 - 9e9, max: 946_684_800 + 9e9, noNaN: true }),
      fc.double({ min: T - 1e6, max: T + 1e6, noNaN: true }),
      fc.tuple(fc.integer({ min: -1e9, max: 4e9 }), fc.integer({ min: 0, max: 1_999_999 })).map(([s, half]) => s + half / 2e6),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(seconds, { minLength: 1, maxLength: 200 }), async (values) => {
        const micros = values.map((v) => pgMicros(v) ?? null);
        const { rows } = await pool.query<{ v: number; same: boolean | null }>(
          `SELECT v, to_timestamp(v) = timestamptz '2000-01-01 00:00:00+00' + m * interval '1 microsecond' AS same
           FROM unnest($1::float8[], $2::int8[]) AS u(v, m)`,
          [values, micros],
        );
        expect(rows.filter((r) => r.same !== true)).toEqual([]);
      }),
      { numRuns: 30 },
    );
  });

  describe('a point taken for new that is not', () => {
    let db: TestDb;
    beforeEach(async () => {
      db = await createTestDb({ copyThreshold: 1 });
    });
    afterEach(async () => db.teardown());

    it('goes through ON CONFLICT after all, and the rest of the batch is still written', async () => {
      await db.storage.prices.update([{ series, from: T, to: T + 1 }], () => [{ series, upsert: [point(T + 0.123456, 0.05)], remove: [] }]);
      // 0.1234561 s is stored as the same microsecond as 0.123456 s, though the window does not list it.
      await db.storage.prices.update([{ series, from: T, to: T + 1 }], () => [{ series, upsert: [point(T + 0.1234561, 0.07), point(T + 0.5, 0.06)], remove: [] }]);
      const rows = await db.sql<{ ts: number; price: number }>(`SELECT extract(epoch from "timestamp")::float8 AS ts, price FROM pricing_reports ORDER BY "timestamp"`);
      expect(rows).toEqual([{ ts: T + 0.123456, price: 0.07 }, { ts: T + 0.5, price: 0.06 }]);
    });
  });
});
