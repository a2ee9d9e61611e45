import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);

it('pnpm demo tells the truth: only the junk it sends is rejected, and the twins of primary and replica are merged', async () => {
  const { stdout } = await run(process.execPath, ['--conditions=@sef/source', '--import', 'tsx', 'src/fleet-demo.ts'], {
    cwd: new URL('..', import.meta.url),
    env: { ...process.env, SEF_DEMO_DAYS: '1' },
    timeout: 60_000,
  });
  const headline = /reports accepted (\d+), rejected (\d+) \(([^)]*)\); the demo sent (\d+) junk reports on purpose/.exec(stdout);
  expect(headline, stdout).not.toBeNull();
  const [, accepted, rejected, reasons, junk] = headline!;
  expect(Number(junk)).toBeGreaterThan(0);
  expect(Number(rejected)).toBe(Number(junk));
  // Every reason is one the junk report carries, once per junk report.
  expect(reasons).toBe(['invalid_type', 'price_out_of_range', 'unknown_pool', 'unknown_instance'].map((r) => `${r} ${junk}`).join(', '));
  expect(Number(accepted)).toBeGreaterThan(1000);
  const merged = /merged twins: (\d+) verified .*?, (\d+) averaged/.exec(stdout);
  expect(Number(merged![1])).toBeGreaterThan(Number(accepted) / 4);
  expect(Number(merged![2])).toBeGreaterThan(0);
  // Per agent: most stored points are merged twins, not lone reports.
  for (const row of stdout.matchAll(/^\s+(agent-\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/gm)) {
    const [, agent, , , single, verified, averaged] = row.map(String);
    expect(Number(verified) + Number(averaged), agent).toBeGreaterThan(Number(single));
  }
}, 90_000);
