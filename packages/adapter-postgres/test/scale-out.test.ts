import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, storeReports, type SourceReport } from '@sef/core';
import { createTestDb, skipPostgres, type TestDb } from './support/db.js';

const config = parseConfig();
const T = 1_767_225_600;

const snapshot = (db: TestDb) =>
  db.sql(`SELECT agent_id, pool_id, extract(epoch from "timestamp")::float8 AS ts, price, data_quality_flag, source,
      primary_price, replica_price, extract(epoch from replica_timestamp)::float8 AS replica_ts
    FROM pricing_reports ORDER BY agent_id, pool_id, "timestamp"`);

describe.skipIf(skipPostgres)('several SEF instances on one database', () => {
  let shared: TestDb;
  let single: TestDb;
  beforeEach(async () => {
    [shared, single] = await Promise.all([createTestDb(), createTestDb()]);
  });
  afterEach(async () => {
    await Promise.all([shared.teardown(), single.teardown()]);
  });

  it('three instances writing the same series at once store the same rows as one instance', async () => {
    const instances = [shared.storage, shared.open().storage, shared.open().storage];
    const arbReport = fc.record({
      agent: fc.constantFrom('a1', 'a2'),
      slot: fc.integer({ min: 0, max: 30 }),
      jitter: fc.integer({ min: -10, max: 10 }),
      price: fc.integer({ min: 1, max: 9_999 }).map((n) => n / 1e5),
      role: fc.constantFrom('primary' as const, 'replica' as const),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbReport, { minLength: 1, maxLength: 60 }),
        fc.array(fc.nat(2), { minLength: 60, maxLength: 60 }),
        async (generated, assignment) => {
          await shared.sql('TRUNCATE pricing_reports');
          await single.sql('TRUNCATE pricing_reports');
          const reports: SourceReport[] = generated.map((r) => ({
            agentId: r.agent,
            poolId: 'us-east-1a:c5.large',
            instanceId: `i-${r.agent}-${r.role}`,
            timestamp: T + r.slot * 450 + r.jitter,
            price: r.price,
            role: r.role,
          }));
          // One instance, one report at a time in order.
          for (const r of reports) await storeReports(single.storage.prices, [r], config);
          // Three instances at once, each report (some twice) to whichever instance the balancer picked.
          const parts: SourceReport[][] = [[], [], []];
          reports.forEach((r, i) => {
            parts[assignment[i]!]!.push(r);
            if (i % 7 === 0) parts[(assignment[i]! + 1) % 3]!.push(r);
          });
          await Promise.all(
            parts.map(async (part, k) => {
              for (let i = 0; i < part.length; i += 3) await storeReports(instances[k]!.prices, part.slice(i, i + 3), config);
            }),
          );
          expect(await snapshot(shared)).toEqual(await snapshot(single));
        },
      ),
      { numRuns: 8 },
    );
  });
});
