import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../src/clock/index.js';
import { parseConfig } from '../src/config/index.js';
import { ValidationError } from '../src/errors/index.js';
import { createMemoryPriceStore } from '../src/memory/price-store.js';
import { createMemoryStorage } from '../src/memory/storage.js';
import type { SourceReport } from '../src/ports/types.js';
import { createSef } from '../src/sef/index.js';
import { createSimulatedCloud } from '../src/sim/cloud.js';
import { createFleetSimulation } from '../src/sim/fleet.js';
import { simulatedPools } from '../src/sim/pool-catalog.js';
import { storeReports } from '../src/timeline/index.js';

const start = Date.UTC(2026, 0, 1);

describe('createSef end to end', () => {
  it('stores through the buffer exactly what storing every accepted report at once stores (a fleet with drops, outages and resends)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), async (seed) => {
        const clock = createFakeClock(start);
        const storage = createMemoryStorage({ clock, pools: simulatedPools() });
        const sef = createSef({ clock, storage, cloud: createSimulatedCloud({ clock }) });
        const fleet = createFleetSimulation({ seed, agents: 2, start, duration: 8 * 3600, shortOutageRate: 0.05, longOutageRate: 0.01, resendRate: 0.1 });
        const all: SourceReport[] = [];
        for (const a of fleet.agents) {
          const rec = await sef.registerAgent({ id: a.id, instanceId: a.primaryInstanceId, poolId: a.poolId });
          await storage.agents.update(a.id, rec.version, { replicaInstanceId: a.replicaInstanceId });
        }
        sef.start();
        for (const b of fleet.batches()) {
          await clock.advanceTo(b.at);
          const { accepted } = await sef.ingest(b.reports, { agentId: b.agentId });
          expect(accepted).toBe(b.reports.length);
          for (const r of b.reports) all.push({ ...r, agentId: b.agentId, role: b.role });
        }
        await clock.advance(310_000);
        await sef.stop();
        expect((await sef.stats()).buffered).toBe(0);

        const reference = createMemoryPriceStore();
        await storeReports(reference, all, parseConfig());
        for (const a of fleet.agents) {
          for (const poolId of a.pools) {
            const series = { agentId: a.id, poolId };
            const [got, want] = await Promise.all([storage.prices.timeline(series, 0, 4e9), reference.timeline(series, 0, 4e9)]);
            expect(got).toEqual(want);
          }
        }
      }),
      { numRuns: 8 },
    );
  });

  it('registers an agent in the region of its pool and refuses an unknown pool', async () => {
    const clock = createFakeClock(start);
    const sef = createSef({ clock, storage: createMemoryStorage({ clock, pools: simulatedPools() }), cloud: createSimulatedCloud({ clock }) });
    const a = await sef.registerAgent({ id: 'a1', instanceId: 'i-1', poolId: 'us-west-2b:m5.large' });
    expect(a).toMatchObject({ id: 'a1', region: 'us-west-2', primaryInstanceId: 'i-1', replicaInstanceId: null, primaryLaunchedAt: start });
    await expect(sef.registerAgent({ id: 'a2', instanceId: 'i-2', poolId: 'mars-1a:c5.large' })).rejects.toBeInstanceOf(ValidationError);
    await expect(sef.registerAgent({ id: 'a1', instanceId: 'i-3', poolId: 'us-west-2b:m5.large' })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('throws ValidationError only for a batch that is not an array', async () => {
    const clock = createFakeClock(start);
    const sef = createSef({ clock, storage: createMemoryStorage({ clock, pools: simulatedPools() }), cloud: createSimulatedCloud({ clock }) });
    await expect(sef.ingest({ reports: [] } as unknown as unknown[])).rejects.toBeInstanceOf(ValidationError);
    expect(await sef.ingest([])).toEqual({ accepted: 0, rejected: [] });
  });
});
