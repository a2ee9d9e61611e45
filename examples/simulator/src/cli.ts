// `pnpm simulate`: plays the fleet against the policies and writes the report. See `--help`.
import { Presets, SingleBar } from 'cli-progress';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCli, usage } from './cli-args.js';
import { writeReport } from './report/write-report.js';
import { formatTables } from './report/table.js';
import { simulate } from './simulate.js';

/** Where reports go by default (the example server's dashboard links the one here). */
export const defaultReportDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'report');

let settings;
try {
  settings = parseCli(process.argv.slice(2));
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
  process.exit(2);
}
if (settings.help) {
  console.log(usage);
  process.exit(0);
}
const bar = settings.progress && process.stderr.isTTY ? new SingleBar({ format: 'simulating {bar} {percentage}% | {policy} | {duration_formatted}', hideCursor: true }, Presets.shades_classic) : undefined;
bar?.start(1000, 0, { policy: '' });
// Without a bar, each policy is named once when it starts (with workers, progress comes from several at once).
const named = new Set<string>();
const started = performance.now();
let report;
try {
  report = await simulate({
    world: settings.world,
    run: settings.run,
    policies: settings.policies,
    workers: settings.workers,
    onProgress(done, policy) {
      bar?.update(Math.round(done * 1000), { policy });
      if (!bar && !named.has(policy)) console.error(`playing ${policy}`);
      named.add(policy);
    },
  });
} catch (error) {
  bar?.stop();
  console.error(error instanceof RangeError ? error.message : error);
  process.exit(2);
}
bar?.update(1000);
bar?.stop();
const seconds = (performance.now() - started) / 1000;
const out = resolve(settings.out ?? defaultReportDir);
const paths = await writeReport(report, out);
const simulated = report.results.filter((r) => r.kind !== 'on-demand').length;
console.log(formatTables(report));
console.log(`${simulated} simulated policies in ${seconds.toFixed(1)} s (${((report.world.agents * report.world.days * simulated) / seconds).toFixed(0)} agent-days/s), peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
console.log(`report: ${paths.html}\n        ${paths.json}\n        ${paths.table}`);
