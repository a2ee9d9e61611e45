import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../src/clock/index.js';
import { createMemoryStorage } from '../src/memory/storage.js';
import type { AgentStore } from '../src/ports/agent-store.js';
import type { PoolStore } from '../src/ports/pool-store.js';
import { createSef } from '../src/sef/index.js';
import { rememberKnownPools } from '../src/sef/known-pools.js';
import { createSimulatedCloud } from '../src/sim/cloud.js';
import { simulatedPools } from '../src/sim/pool-catalog.js';

const start = Date.UTC(2026, 0, 1, 12);
const T = start / 1000 - 3600;
const pool = 'us-east-1a:c5.large';
const other = 'us-east-1b:c5.large';

describe('what ingest reads from the stores', () => {
  it('rememberKnownPools asks the store only for pools it has not found before, and answers like the store', async () => {
    const asked: string[][] = [];
    let inStore = new Set([pool]);
    const store: Pick<PoolStore, 'known'> = {
      known: async (ids) => {
        asked.push([...ids]);
        return new Set(ids.filter((id) => inStore.has(id)));
      },
    };
    const pools = rememberKnownPools(store);
    expect(await pools.known([pool, other])).toEqual(new Set([pool]));
    expect(await pools.known([pool])).toEqual(new Set([pool]));
    // Not known yet: asked again each time, and remembered once the store knows it.
    expect(await pools.known([other])).toEqual(new Set());
    inStore = new Set([pool, other]);
    expect(await pools.known([pool, other])).toEqual(new Set([pool, other]));
    expect(await pools.known([other, pool])).toEqual(new Set([pool, other]));
    expect(asked).toEqual([[pool, other], [other], [other]]);
  });

  it('takes the roles from the agent record the caller hands in, without reading the agent again', async () => {
    const clock = createFakeClock(start);
    const storage = createMemoryStorage({ clock, pools: simulatedPools() });
    const reads: string[] = [];
    const agents: AgentStore = Object.create(storage.agents) as AgentStore;
    agents.get = (id) => {
      reads.push(id);
      return storage.agents.get(id);
    };
    const sef = createSef({ clock, storage: { ...storage, agents }, cloud: createSimulatedCloud({ clock }) });
    const a = await sef.registerAgent({ id: 'a1', instanceId: 'i-p', poolId: pool });
    const fresh = await storage.agents.update('a1', a.version, { replicaInstanceId: 'i-r' });
    reads.length = 0;
    const reports = [{ instanceId: 'i-p', poolId: pool, timestamp: T, price: 0.05 }, { instanceId: 'i-r', poolId: pool, timestamp: T, price: 0.05 }];
    // The record as read before the replica was known: i-r is nobody then.
    const result = await sef.ingest(reports, { agentId: 'a1', agent: a, wait: 'queued' });
    expect(result.accepted).toBe(1);
    expect(result.rejected.map((r) => r.issues.map((i) => i.code))).toEqual([['unknown_instance']]);
    expect(reads).toEqual([]);
    // Without it, the store's record (with the replica) decides.
    expect((await sef.ingest(reports, { agentId: 'a1', wait: 'queued' })).accepted).toBe(2);
    expect(reads).toContain('a1');
    // A record of another agent than the path's is not used.
    reads.length = 0;
    expect((await sef.ingest(reports, { agentId: 'a1', agent: { ...fresh, id: 'a2', replicaInstanceId: null }, wait: 'queued' })).accepted).toBe(2);
    expect(reads).toContain('a1');
    await sef.stop();
  });
});
