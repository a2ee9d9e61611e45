import { describe, expect, it } from 'vitest';
import { runPolicy } from '../src/run/fleet-run.js';
import { resolveRunOptions } from '../src/run/run-options.js';
import { summarise } from '../src/run/summarise.js';
import { scriptedWorld } from './support/scripted-world.js';

describe("the report's figures, on scripted worlds", () => {
  it('a standby started on a false-alarm rebalance and never promoted is counted as started for nothing; one that is promoted is not', async () => {
    // One agent, two recommendations for its instance: a false alarm, whose standby SEF retires unused after
    // its unusedReplicaTimeout (30 min), and one 5 minutes before a notice, whose standby is ready and promoted.
    const world = scriptedWorld({ seed: 3, agents: 1, days: 0.5 }, { falseAlarms: [60], crunches: [{ noticeAt: 300, leadMinutes: 5 }] });
    const threshold = 0.05;
    const record = await runPolicy(world, { kind: 'auto', threshold }, resolveRunOptions({ reportingAgents: 0 }));
    const result = await summarise(record);
    // Both scored at or above the threshold: both started a standby.
    expect(record.rebalances.map((r) => r.score! >= threshold)).toEqual([true, true]);
    expect(result.failovers.promoted).toBe(1);
    expect(result.heuristic.seenComing).toBe(1);
    expect(result.heuristic.startedForNothing).toBe(1);
    expect(result.errors.first).toEqual([]);
  }, 60_000);

  // One reporting agent, one report per 300 s (144 over half a day), notice-only, every latency exact. Its
  // notice comes 60 s before a report's tick: the emergency recovery (snapshot 20 s, launch, boot 40 s,
  // restore 40 s, reroute 2 s) keeps it down from the notice for 104 s, across that one tick. With a boot of
  // 10 minutes SEF's recovery misses the action's deadline and fails; an operator relaunches the workload
  // 15 (or 30) minutes after the action: down 1,022 s (4 ticks) or 1,922 s (7 ticks, a gap of 2,400 s,
  // longer than SEF's interpolationMaxGap of 1,800 s: left open).
  it.each([
    { boot: 40_000, recoveryMinutes: 15, missed: 1, interpolated: 1 },
    { boot: 600_000, recoveryMinutes: 15, missed: 4, interpolated: 4 },
    { boot: 600_000, recoveryMinutes: 30, missed: 7, interpolated: 0 },
  ])('a failover that keeps the reporting agent down for $missed ticks leaves a gap in its series: $interpolated interpolated points', async ({ boot, recoveryMinutes, missed, interpolated }) => {
    const world = scriptedWorld({ seed: 3, agents: 1, days: 0.5 }, { crunches: [{ noticeAt: 299 }] });
    const run = resolveRunOptions({ reportingAgents: 1, latencySpread: 0, latencies: { boot }, recoveryMinutes });
    const result = await summarise(await runPolicy(world, { kind: 'notice-only' }, run));
    expect(result.interruptions).toBe(1);
    expect(result.prices.points - result.prices.interpolated).toBe(144 - missed);
    expect(result.prices.interpolated).toBe(interpolated);
    expect(result.prices.interpolatedShare).toBeCloseTo(interpolated / result.prices.points, 6);
  }, 60_000);
});
