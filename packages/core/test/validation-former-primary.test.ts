import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../src/clock/index.js';
import { parseConfig } from '../src/config/index.js';
import { createMemoryAgentStore } from '../src/memory/agent-store.js';
import { createMemoryEventStore } from '../src/memory/event-store.js';
import { FenceRegistry } from '../src/memory/fence-registry.js';
import { createMemoryPoolStore } from '../src/memory/pool-store.js';
import { simulatedPools } from '../src/sim/pool-catalog.js';
import { validateReports } from '../src/validation/index.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const POOL = 'us-east-1a:c5.large';
/** The notice for i-old came at T0 and gives the cloud's termination at T0 + 120 s; the failover served the agent again at T0 + 45 s. */
const terminationAt = T0 + 120_000;
const failedOverAt = T0 + 45_000;

async function afterFailover(options: { success?: boolean; graceSec?: number } = {}) {
  const fences = new FenceRegistry();
  const agents = createMemoryAgentStore({ fences, clock: createFakeClock(T0) });
  const notices = createMemoryEventStore({ fences });
  // i-old was a1's primary; the failover made i-new the primary.
  await agents.create({ id: 'a1', region: 'us-east-1', poolId: POOL, primaryInstanceId: 'i-new' });
  await agents.create({ id: 'a2', region: 'us-east-1', poolId: POOL, primaryInstanceId: 'i-a2' });
  const id = `a1~i-old~term~${T0}`;
  await notices.recordSignal({
    id, agentId: 'a1', instanceId: 'i-old', poolId: POOL, signalType: 'termination-notice', instanceRole: 'primary', detectedAt: T0, noticeTime: T0,
    actionTime: terminationAt, deadline: terminationAt, responseTimeMs: null, success: null, outcome: null, steps: [],
  });
  const success = options.success ?? true;
  await notices.completeSignal(id, { responseTimeMs: failedOverAt - T0, success, outcome: success ? 'emergency_recovery' : 'failed', steps: [] });
  const config = parseConfig(options.graceSec === undefined ? {} : { formerPrimaryGrace: options.graceSec });
  const pools = createMemoryPoolStore(simulatedPools());
  return (now: number, agentId = 'a1') => ({ config, now, pools, agents, notices, agentId });
}

const report = (timestampMs: number, instanceId = 'i-old') => ({ instanceId, poolId: POOL, timestamp: timestampMs / 1000, price: 0.05 });
const codes = (r: Awaited<ReturnType<typeof validateReports>>) => r.rejected.flatMap((x) => x.issues.map((i) => i.code));

describe("a former primary's reports after a failover (zero data loss on the replica path)", () => {
  it('accepted as primary reports iff observed by the termination time and arriving within formerPrimaryGrace of the failover; otherwise the reason (property)', async () => {
    const ctxAt = await afterFailover();
    const grace = 600_000;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -3_600_000, max: 300_000 }), // observed, relative to the termination time
        fc.integer({ min: 0, max: 2 * grace }), // arrival, relative to the failover
        fc.boolean(), // sent through the fast path (alone) or beside a report with its own problem
        async (observedOffset, arrivalOffset, withJunk) => {
          const now = failedOverAt + arrivalOffset;
          const observed = Math.min(terminationAt + observedOffset, now);
          const batch = withJunk ? [report(observed), { ...report(observed), price: -1 }] : [report(observed)];
          const result = await validateReports(batch, ctxAt(now));
          const inTime = observed <= terminationAt;
          const inGrace = now <= failedOverAt + grace;
          if (inTime && inGrace) {
            expect(result.accepted).toEqual([{ agentId: 'a1', instanceId: 'i-old', poolId: POOL, timestamp: observed / 1000, price: 0.05, role: 'primary' }]);
            expect(codes(result).filter((c) => c !== 'price_out_of_range')).toEqual([]);
          } else {
            expect(result.accepted).toEqual([]);
            const own = result.rejected.find((r) => r.index === 0)!.issues.map((i) => i.code);
            expect(own).toEqual([!inTime ? 'observed_after_termination' : 'former_primary_grace_expired']);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('only the agent whose primary it was: another agent naming that instance, an unknown instance, or a failover that failed get unknown_instance', async () => {
    const ctxAt = await afterFailover();
    expect(codes(await validateReports([report(T0)], ctxAt(T0 + 60_000, 'a2')))).toEqual(['unknown_instance']);
    expect(codes(await validateReports([report(T0, 'i-never')], ctxAt(T0 + 60_000)))).toEqual(['unknown_instance']);
    const failed = await afterFailover({ success: false });
    expect(codes(await validateReports([report(T0)], failed(T0 + 60_000)))).toEqual(['unknown_instance']);
  });

  it('formerPrimaryGrace 0 accepts nothing after the failover', async () => {
    const ctxAt = await afterFailover({ graceSec: 0 });
    expect(codes(await validateReports([report(T0)], ctxAt(failedOverAt + 1)))).toEqual(['former_primary_grace_expired']);
  });
});
