// One measurement of the simulator benchmark, in its own process (for its own peak memory). Prints JSON.
// node --conditions=@sef/source --import tsx bench/one.ts <sef|baseline|full> <agents> <days>
import { createFakeClock } from '@sef/core';
import { defaultWorkers } from '../src/cli-args.js';
import { runPolicy } from '../src/run/fleet-run.js';
import { resolveRunOptions } from '../src/run/run-options.js';
import { playSchedule } from '../src/run/schedule-player.js';
import { summarise } from '../src/run/summarise.js';
import { simulate } from '../src/simulate.js';
import { createWorld, type World } from '../src/world/world.js';

const [mode = 'sef', agents = '1000', days = '30'] = process.argv.slice(2);
const worldOptions = { agents: Number(agents), days: Number(days) };
const run = resolveRunOptions();

/**
 * The same event schedule with no SEF behind it: the same clock, world events in order, the pool's
 * instances looked up and reclaimed, the sampled reports built every tick; nothing handled, nothing stored.
 */
async function baseline(world: World): Promise<number> {
  const clock = createFakeClock(world.start);
  const inPool = new Map<string, string[]>();
  world.agentPools.forEach((poolId, i) => inPool.set(poolId, [...(inPool.get(poolId) ?? []), `agent-${i}`]));
  let touched = 0;
  await playSchedule(world, clock, run.reportEverySeconds * 1000, {
    onEvent(e) {
      if (e.kind === 'capacity') return;
      for (const agentId of inPool.get(e.poolId) ?? []) if (e.kind === 'rebalance' || (e.kind !== 'action' && world.reclaims(e.crunch, agentId))) touched++;
    },
    onTick(tick) {
      for (let i = 0; i < Math.min(run.reportingAgents, world.agentPools.length); i++) {
        const poolId = world.agentPools[i]!;
        touched += world.prices.priceAt(poolId, tick) > 0 ? 1 : 0;
      }
    },
  });
  return touched;
}

const started = performance.now();
const cpuBefore = process.cpuUsage();
let policies = 1;
if (mode === 'baseline') await baseline(createWorld(worldOptions));
else if (mode === 'sef') await summarise(await runPolicy(createWorld(worldOptions), { kind: 'auto', threshold: 0.3 }, run));
else policies = (await simulate({ world: worldOptions, workers: defaultWorkers })).results.filter((r) => r.kind !== 'on-demand').length;
const seconds = (performance.now() - started) / 1000;
// CPU time of the whole process, worker threads included: on a shared machine the figure that compares.
const cpu = process.cpuUsage(cpuBefore);
console.log(JSON.stringify({ mode, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, agentDays: Number(agents) * Number(days) * policies, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
