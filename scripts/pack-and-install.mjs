#!/usr/bin/env node
// CI: are the packages installable by a team outside this repository? Packs every package (`pnpm pack`,
// after `pnpm build`), lints each tarball (publint --strict, attw), installs the tarballs into a scratch
// project outside the workspace (offline from the local pnpm store when it can), checks that `require()`
// and `import` both load them, type-checks the embedded example there in strict mode, and runs it on
// Postgres and Redis: an agent registered (twice: 409), prices stored, a termination notice failed over,
// SIGTERM exits 0.
// Env: SEF_TEST_POSTGRES_URL, SEF_TEST_REDIS_URL (as the tests); KEEP_SCRATCH=1 keeps the scratch dir.
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const root = resolve(import.meta.dirname, '..');
const postgresUrl = process.env.SEF_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.SEF_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const started = performance.now();
const lap = (what, since) => console.log(`pack-and-install: ${what} in ${((performance.now() - since) / 1000).toFixed(1)} s`);
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
const bin = (name) => join(root, 'node_modules', '.bin', name);

const scratch = mkdtempSync(join(tmpdir(), 'sef-pack-'));
const tarballs = join(scratch, 'tarballs');
mkdirSync(tarballs);
try {
  // 1. Pack and lint every published package.
  let t = performance.now();
  const packages = readdirSync(join(root, 'packages')).map((dir) => join(root, 'packages', dir));
  const tgz = {};
  for (const dir of packages) {
    const { name } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const before = new Set(readdirSync(tarballs));
    run('pnpm', ['pack', '--pack-destination', tarballs], dir);
    const file = readdirSync(tarballs).find((f) => !before.has(f));
    tgz[name] = join(tarballs, file);
    const files = run('tar', ['tzf', tgz[name]]).split('\n');
    for (const needed of ['package/LICENSE', 'package/README.md', 'package/dist/index.js', 'package/dist/index.d.ts']) {
      if (!files.includes(needed)) throw new Error(`${name}: ${needed.slice(8)} is missing from the tarball`);
    }
    // The workspace-only `@sef/source` condition (TypeScript sources) must not reach users: publishConfig.exports drops it.
    const packed = JSON.parse(run('tar', ['xzOf', tgz[name], 'package/package.json']));
    if (JSON.stringify(packed.exports).includes('@sef/source')) throw new Error(`${name}: the packed package.json still has the workspace-only "@sef/source" condition`);
    console.log(`publint ${name}: ${run(bin('publint'), ['run', tgz[name], '--strict']).trim().split('\n').at(-1)}`);
    // ESM only: node10 (no `exports`) is out of scope; `require()` of ESM works on Node 20.19+ and is
    // checked for real below, which attw (dynamic import only, in its model) cannot know.
    // attw exits non-zero on any problem (execFileSync then throws with its report); on success, the verdicts.
    const attw = run(bin('attw'), [tgz[name], '--profile', 'node16', '--ignore-rules', 'cjs-resolves-to-esm', '--format', 'ascii']);
    const verdicts = [...new Set(attw.split('\n').filter((l) => /^(node16|bundler)/.test(l)).map((l) => l.trim()))];
    console.log(`attw ${name}: no problems (${verdicts.join('; ')}; node10 ignored: ESM only)`);
  }
  lap(`packed and linted ${packages.length} packages`, t);

  // 2. A scratch project outside the workspace, as a team would start one.
  t = performance.now();
  const app = join(scratch, 'app');
  mkdirSync(join(app, 'src'), { recursive: true });
  const embedded = JSON.parse(readFileSync(join(root, 'examples/embedded/package.json'), 'utf8'));
  const workspace = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const file = (name) => `file:${tgz[name]}`;
  writeFileSync(join(app, 'package.json'), JSON.stringify({
    name: 'sef-scratch', private: true, type: 'module',
    dependencies: { '@sef/core': file('@sef/core'), '@sef/adapter-postgres': file('@sef/adapter-postgres'), '@sef/adapter-redis': file('@sef/adapter-redis'), pg: embedded.dependencies.pg, ioredis: embedded.dependencies.ioredis, cockatiel: embedded.dependencies.cockatiel },
    devDependencies: { ...embedded.devDependencies, typescript: workspace.devDependencies.typescript, '@types/node': workspace.devDependencies['@types/node'] },
  }, null, 2));
  // The adapters depend on @sef/core ^0.0.0: take it from its tarball, not from the registry.
  writeFileSync(join(app, 'pnpm-workspace.yaml'), `overrides:\n  "@sef/core": "${file('@sef/core')}"\n`);
  try {
    run('pnpm', ['install', '--offline'], app);
  } catch {
    console.log('pack-and-install: not everything is in the local store; installing with --prefer-offline');
    run('pnpm', ['install', '--prefer-offline'], app);
  }
  lap('installed the tarballs into a scratch project', t);

  // 3. Both module systems load every package.
  for (const name of Object.keys(tgz).filter((n) => n !== '@sef/adapter-aws')) {
    const check = `const m = require('${name}'); if (Object.keys(m).length === 0) throw new Error('empty');`;
    run('node', ['-e', check], app);
    run('node', ['--input-type=module', '-e', `const m = await import('${name}'); if (Object.keys(m).length === 0) throw new Error('empty');`], app);
  }
  console.log('pack-and-install: require() and import load @sef/core, @sef/adapter-postgres and @sef/adapter-redis');

  // 4. The embedded example, type-checked in strict mode and compiled.
  t = performance.now();
  cpSync(join(root, 'examples/embedded/src'), join(app, 'src'), { recursive: true });
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true, verbatimModuleSyntax: true, noImplicitOverride: true, outDir: 'dist', types: ['node'], skipLibCheck: false,
    },
    include: ['src'],
  }, null, 2));
  try {
    run(join(app, 'node_modules/.bin/tsc'), ['-p', '.'], app);
  } catch (error) {
    throw new Error(`the embedded example does not type-check against the packed packages:\n${error.stdout}`);
  }
  lap('type-checked (strict) and compiled the embedded example', t);

  // 5. Run it on Postgres and Redis.
  t = performance.now();
  await runEmbedded(app);
  lap('ran the embedded example on Postgres and Redis', t);
  lap('pack-and-install passed', started);
} finally {
  if (process.env.KEEP_SCRATCH === '1') console.log(`scratch kept: ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
}

async function runEmbedded(app) {
  const need = createRequire(join(app, 'package.json'));
  const pg = need('pg');
  const { Redis } = need('ioredis');
  const id = `pack-${randomUUID()}`;
  const schema = id.replaceAll('-', '_');
  const hooks = [];
  const receiver = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += String(c)));
    req.on('end', () => (hooks.push(JSON.parse(text)), res.writeHead(204).end()));
  }).listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: app,
    env: { ...process.env, DATABASE_URL: postgresUrl, REDIS_URL: redisUrl, PORT: '0', SEF_PG_SCHEMA: schema, SEF_REDIS_PREFIX: `${id}:`, WEBHOOK_URL: `http://127.0.0.1:${receiver.address().port}/hook` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = [];
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    let port = 0;
    const reader = createInterface({ input: child.stdout });
    const listening = new Promise((resolveListening, reject) => {
      reader.on('line', (line) => {
        lines.push(line);
        const entry = JSON.parse(line);
        if (entry.msg === 'listening') resolveListening(entry.address.port);
      });
      child.once('exit', (code) => reject(new Error(`the embedded example exited (${code}) before listening:\n${lines.join('\n')}`)));
    });
    port = await listening;
    console.log(`pack-and-install: the embedded example listens on 127.0.0.1:${port} (${((performance.now() - started) / 1000).toFixed(1)} s after the start of this script)`);
    const post = async (path, body, status) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await res.text();
      if (res.status !== status) throw new Error(`POST ${path}: ${res.status} ${text} (expected ${status})`);
      return JSON.parse(text);
    };
    await post('/fleet/agents', { id: 'pack-1', instanceId: 'i-pack1', poolId: 'us-east-1a:c5.large' }, 201);
    const at = new Date(Math.floor(Date.now() / 300_000) * 300_000 - 600_000).toISOString();
    const prices = await post('/fleet/pack-1/prices', { samples: [{ instance: 'i-pack1', pool: 'us-east-1a:c5.large', at, usdPerHour: 0.0456 }] }, 202);
    if (prices.accepted !== 1) throw new Error(`prices: ${JSON.stringify(prices)}`);
    await post('/fleet/agents', { id: 'pack-1', instanceId: 'i-pack1', poolId: 'us-east-1a:c5.large' }, 409);
    // The termination path: SEF relaunches the agent and the app's webhook hears the failover completed.
    await post('/fleet/pack-1/notice', { instance: 'i-pack1', kind: 'terminate' }, 200);
    const deadline = Date.now() + 10_000;
    const completed = () => hooks.some((h) => h.kind === 'failover.completed');
    while (!completed() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (!completed()) throw new Error(`no failover.completed at the webhook: ${JSON.stringify(hooks)}\n${lines.join('\n')}`);
    // The report is stored once its dedupe window closes; SIGTERM drains it.
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    if (code !== 0) throw new Error(`SIGTERM: exit ${code}\n${lines.join('\n')}`);
    const pool = new pg.Pool({ connectionString: postgresUrl, max: 1 });
    try {
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "${schema}".pricing_reports WHERE agent_id = 'pack-1'`);
      if (rows[0].n !== 1) throw new Error(`expected the report stored in ${schema}.pricing_reports, found ${rows[0].n}`);
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    }
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    receiver.close();
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${id}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
}
