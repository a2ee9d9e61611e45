// pnpm bench (examples/simulator): simulated agent-days per second of one SEF policy (auto 0.30) over
// 1,000 agents x 30 days beside a baseline replaying the same event schedule with no SEF, interleaved and
// repeated, each run in its own process (peak memory); then the whole default run once.
// Options: --reps N (3), --agents N (1000), --days D (30), --no-full.
import { execFileSync } from 'node:child_process';
import { defaultWorkers } from '../src/cli-args.js';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { reps: { type: 'string', default: '3' }, agents: { type: 'string', default: '1000' }, days: { type: 'string', default: '30' }, 'no-full': { type: 'boolean' } } });
const one = fileURLToPath(new URL('./one.ts', import.meta.url));
interface Measure {
  mode: string;
  seconds: number;
  cpuSeconds: number;
  agentDays: number;
  peakRssMb: number;
}
const measure = (mode: string): Measure => {
  const out = execFileSync(process.execPath, ['--conditions=@sef/source', '--import', 'tsx', one, mode, values.agents, values.days], { encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Measure;
};

const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
console.log(`simulator bench: ${values.agents} agents x ${values.days} days, ${values.reps} interleaved repetitions; load average at start ${load()} (a shared machine: figures are rough)`);
const runs: Record<string, Measure[]> = { baseline: [], sef: [] };
for (let r = 0; r < Number(values.reps); r++) {
  for (const mode of ['baseline', 'sef'] as const) {
    const m = measure(mode);
    runs[mode]!.push(m);
    console.log(`  ${mode.padEnd(8)} run ${r + 1}: ${m.seconds.toFixed(1)} s (${m.cpuSeconds.toFixed(1)} s CPU), ${(m.agentDays / m.seconds).toFixed(0)} agent-days/s, peak RSS ${m.peakRssMb.toFixed(0)} MB`);
  }
}
const stats = (ms: Measure[]) => {
  const rates = ms.map((m) => m.agentDays / m.seconds).sort((a, b) => a - b);
  return { min: rates[0]!, median: rates[Math.floor(rates.length / 2)]!, max: rates.at(-1)!, rss: Math.max(...ms.map((m) => m.peakRssMb)) };
};
const b = stats(runs['baseline']!);
const s = stats(runs['sef']!);
console.log('\n| run | agent-days/s min | median | max | peak RSS |\n| --- | --- | --- | --- | --- |');
console.log(`| baseline: the event schedule replayed, no SEF | ${b.min.toFixed(0)} | ${b.median.toFixed(0)} | ${b.max.toFixed(0)} | ${b.rss.toFixed(0)} MB |`);
console.log(`| SEF auto 0.30 behind it | ${s.min.toFixed(0)} | ${s.median.toFixed(0)} | ${s.max.toFixed(0)} | ${s.rss.toFixed(0)} MB |`);
console.log(`SEF's run is ${(b.median / s.median).toFixed(0)} times slower than the bare replay (median over median).`);
if (!values['no-full']) {
  const f = measure('full');
  console.log(`whole default run (every simulated policy, ${defaultWorkers} worker threads as pnpm simulate): ${f.seconds.toFixed(1)} s wall, ${f.cpuSeconds.toFixed(1)} s CPU, ${(f.agentDays / f.seconds).toFixed(0)} agent-days/s, peak RSS ${f.peakRssMb.toFixed(0)} MB (target: under 60 s on 2 cores)`);
}
console.log(`load average at end ${load()}`);
