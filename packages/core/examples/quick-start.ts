import { createFakeClock, createMemoryStorage, createSef, createSimulatedCloud, simulatedPools } from '@sef/core';

// In memory, on a simulated cloud and a fake clock: to try SEF out, and in tests. In production pass
// createPostgresStorage (@sef/adapter-postgres) and the EC2 providers of @sef/adapter-aws instead.
const clock = createFakeClock(Date.UTC(2026, 0, 1, 12));
const storage = createMemoryStorage({ clock, pools: simulatedPools() });
const sef = createSef({ clock, storage, cloud: createSimulatedCloud({ clock }) });
sef.on('gap.filled', (gap) => console.log(`gap ${gap.from}..${gap.to} filled with ${gap.points} points`));

await sef.registerAgent({ id: 'a1', instanceId: 'i-0abc', poolId: 'us-east-1a:c5.large' });
const now = clock.now() / 1000;
const { accepted, rejected } = await sef.ingest(
  [
    { instanceId: 'i-0abc', poolId: 'us-east-1a:c5.large', timestamp: now - 1200, price: 0.05 },
    { instanceId: 'i-0abc', poolId: 'us-east-1a:c5.large', timestamp: now, price: 0.06 },
    { instanceId: 'i-0abc', poolId: 'mars-1a:c5.large', timestamp: 'soon', price: -1 },
  ],
  { agentId: 'a1' },
);
console.log(`accepted ${accepted}, rejected ${rejected.length}: ${rejected[0]?.issues.map((i) => i.code).join(', ')}`);

await sef.flush(); // store what waits in the dedupe buffer now (start() does it in the background)
const timeline = await storage.prices.timeline({ agentId: 'a1', poolId: 'us-east-1a:c5.large' }, now - 1200, now);
for (const p of timeline) console.log(p.timestamp - now, p.price, p.flag);
