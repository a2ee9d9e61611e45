import { describe, expect, it } from 'vitest';
import type { LaunchRequest } from '../src/ports/compute-provider.js';
import { realisticLatencies } from '../src/sim/cloud.js';
import { crashAfterLaunch, createHarness, type Harness } from './replica-harness.js';

// Issue 13: a notice's relaunch is one instance, whatever happens to the processes running it. Here the
// first pool of the plan has no capacity, the next one launches, and the process dies before it records
// the instance; capacity is back when a surviving process resumes the launch from the first pool again.
describe('one instance per notice across a crash and a resume', () => {
  it('a resumed emergency launch that tries a pool the dead run was refused in gets the instance the dead run launched', async () => {
    let h: Harness | undefined;
    const refused: string[] = [];
    const launched: LaunchRequest[] = [];
    h = createHarness({
      instances: 2,
      latencies: realisticLatencies,
      wrap: (i, deps) =>
        i !== 0 ? deps : crashAfterLaunch(deps, () => h!.crash(0), {
          before: (request) => {
            if (refused.length > 0) return;
            refused.push(request.poolId);
            h!.cloud.faults.noCapacity(request.poolId);
          },
          launched: (request) => launched.push(request),
        }),
    });
    await h.agent('a1');
    const { notice } = await h.settle(h.sefs[0]!.acceptSignal(h.cloud.signals.notice('i-a1', 'termination-notice')));
    while (launched.length === 0) await h.clock.advance(100);
    expect(launched.map((r) => r.poolId)).toHaveLength(1);
    expect(launched[0]!.poolId).not.toBe(refused[0]);
    h.cloud.faults.clear(); // capacity is back in the pool the dead run was refused in
    while ((await h.storage.events.getSignal(notice.id))?.success === null) {
      await h.sefs[1]!.resumeNotices();
      await h.settle(h.clock.advance(5_000));
    }
    await h.settle(h.sefs[1]!.idle());
    const ended = (await h.storage.events.getSignal(notice.id))!;
    expect(ended, JSON.stringify({ at: h.clock.now() - ended.detectedAt, steps: ended.steps }, null, 1)).toMatchObject({ success: true, outcome: "emergency_recovery" });
    const launches = h.cloud.calls.filter((c) => c.method === 'launch');
    const sefLaunched = h.cloud.compute.instances().filter((i) => i.instanceId !== 'i-a1');
    // One instance for the notice, the one the dead run launched, and it is the agent's primary now.
    expect(sefLaunched.map((i) => i.poolId)).toEqual([launched[0]!.poolId]);
    expect((await h.storage.agents.get('a1'))!.primaryInstanceId).toBe(sefLaunched[0]!.instanceId);
    // Every attempt, in any pool, by either process, carried the notice's one launch token.
    expect(new Set(launches.map((c) => c.token))).toEqual(new Set([launches[0]!.token]));
    expect(launches.length).toBeGreaterThanOrEqual(3);
  });
});
