#!/usr/bin/env node
// The README's test command. Probes the real services the adapter suites need; when one is missing it
// runs everything else and says loudly what it skipped, except under CI=true, where a missing service
// fails the run (a CI that silently skips the real-server tests proves nothing).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import net from 'node:net';

const services = [
  { name: 'postgres', url: process.env.SEF_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test', suites: '@sef/adapter-postgres, the server on Postgres' },
  { name: 'redis', url: process.env.SEF_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', suites: '@sef/adapter-redis, the server on Redis' },
];

function reachable(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port), timeout: 2000 });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(false));
  });
}

const ci = process.env.CI === 'true' || process.env.CI === '1';
const skipped = [];
for (const s of services) {
  if (!(await reachable(s.url))) skipped.push(s);
}
// The dashboard test drives Debian's Chromium (`apt-get install -y chromium`).
const chromiumPath = process.env.SEF_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromiumPath)) skipped.push({ name: 'chromium', url: chromiumPath, suites: 'the dashboard browser test', missing: 'is not installed at' });
if (skipped.length > 0) {
  const lines = skipped.map((s) => `  - ${s.name} ${s.missing ?? 'is not reachable at'} ${s.url}: skipping ${s.suites}`);
  const banner = '!'.repeat(78);
  console.error(`\n${banner}\n${ci ? 'CI=true and a required service is missing:' : 'SKIPPING SUITES: a service they need is not running'}\n${lines.join('\n')}\n` +
    `  Start or install it (see the README) to run them.\n${banner}\n`);
  if (ci) process.exit(1);
}

const env = {
  ...process.env,
  SEF_TEST_POSTGRES_URL: services[0].url,
  SEF_TEST_REDIS_URL: services[1].url,
  SEF_TEST_SKIP: skipped.map((s) => s.name).join(','),
};
// Run vitest through node directly: the README's command must work where only `npx pnpm` exists.
const vitestBin = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const reportDir = mkdtempSync(join(tmpdir(), 'sef-test-'));
const reportFile = join(reportDir, 'results.json');
const args = [vitestBin, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`, ...process.argv.slice(2)];
const result = spawnSync(process.execPath, args, { stdio: 'inherit', env });
if (skipped.length > 0) console.error(`\nReminder: skipped the suites that need ${skipped.map((s) => s.name).join(' and ')}.`);
// One plain closing line, the same whatever the runner prints above it.
if (existsSync(reportFile)) {
  const r = JSON.parse(readFileSync(reportFile, 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
}
rmSync(reportDir, { recursive: true, force: true });
process.exit(result.status ?? 1);
