import { createSef, createSimulatedCloud, simulatedPools, systemClock } from '@sef/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresLeaseManager } from '../src/index.js';
import { createTestDb, skipPostgres, type TestDb } from './support/db.js';

let db: TestDb | undefined;
afterEach(async () => {
  await db?.teardown();
  db = undefined;
});

describe.skipIf(skipPostgres)('two SEF instances on one PostgreSQL, no Redis', () => {
  it('the same termination notice at both at once gives one relaunch, the agent\'s lease taken in sef_leases', async () => {
    db = await createTestDb();
    const cloud = createSimulatedCloud({ clock: systemClock, seed: 7 });
    const instances = [db.open(), db.open()].map(({ pool, storage }, i) =>
      createSef({ storage, leases: createPostgresLeaseManager({ pool, onError: () => undefined }), cloud, clock: systemClock, instanceId: `sef-${i + 1}` }),
    );
    const [one, two] = instances as [ReturnType<typeof createSef>, ReturnType<typeof createSef>];
    await one.storage.pools.upsert(simulatedPools());
    const launchedAt = Date.now() - 3_600_000;
    cloud.compute.addRunning({ instanceId: 'i-a1', poolId: 'us-east-1a:c5.large', agentId: 'a1', launchedAt });
    await one.storage.agents.create({
      id: 'a1', region: 'us-east-1', poolId: 'us-east-1a:c5.large', primaryInstanceId: 'i-a1', primaryLaunchedAt: launchedAt,
      modes: { autoSwitch: false, autoTerminate: false, manualReplica: false },
    });
    const notice = cloud.signals.notice('i-a1', 'termination-notice');
    const results = await Promise.all([one.handleSignal(notice), two.handleSignal(notice)]);
    expect(results.filter((r) => r.handled)).toHaveLength(1);
    expect(cloud.calls.filter((c) => c.method === 'snapshot')).toHaveLength(1);
    expect(cloud.calls.filter((c) => c.method === 'launch')).toHaveLength(1);
    expect((await two.replicaStatus('a1')).replicas).toHaveLength(1);
    // The lease both instances competed for is the one row in Postgres, not one per process.
    const leases = await db.sql<{ lease_key: string }>(`SELECT lease_key FROM sef_leases`);
    expect(leases.map((l) => l.lease_key)).toEqual([expect.stringContaining('a1')]);
    await Promise.all(instances.map((s) => s.stop()));
  });
});
