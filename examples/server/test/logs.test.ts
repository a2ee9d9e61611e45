import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, resolveLogFormat } from '../src/observability/logger.js';
import { register } from './support/endpoint-suite.js';
import { bearer, gridTime, skipped, startServer, type Harness } from './support/harness.js';
import { readyReplica } from './support/replica-suite.js';

const info = 30;
const pools = ['us-east-1a:c5.large', 'us-east-1b:c5.large'];

describe('logs: one line per batch or decision at info, per point only at debug', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('1,000 reports of a primary and its replica (twins, a gap, junk) in 20 batches: 20 batch lines and at most one stored line per batch at info; each point at debug', async () => {
    h = await startServer('embedded');
    const { token, instanceId } = await register(h, 'a1');
    const replicaId = await readyReplica(h, 'a1', token);
    const from = h.logs.length;
    // 250 grid points of two pools from primary and replica: 1,000 reports. Points 100-102 are missing
    // in the first pool (a 20-minute gap, filled) and every tenth report of the last batch is junk.
    const reports: Record<string, unknown>[] = [];
    for (let k = 0; k < 250; k++) {
      const timestamp = gridTime(22) + k * 300;
      for (const poolId of pools) {
        if (poolId === pools[0] && k >= 100 && k <= 102) continue;
        reports.push({ instanceId, poolId, timestamp, price: 0.05 + k * 1e-5 }, { instanceId: replicaId, poolId, timestamp, price: 0.05 + k * 1e-5 });
      }
    }
    while (reports.length < 1000) reports.push({ instanceId, poolId: 'nowhere', timestamp: gridTime(1), price: 0.05 });
    const batches = 20;
    for (let b = 0; b < batches; b++) {
      const res = await h.app.inject({ method: 'POST', url: '/api/agents/a1/pricing', headers: bearer(token), payload: { reports: reports.slice(b * 50, (b + 1) * 50) } });
      expect(res.statusCode, res.body).toBe(202);
    }
    await h.sef.flush();
    await new Promise((r) => setImmediate(r)); // the last stored line is written at the end of its turn
    const lines = h.logs.slice(from);
    const atInfo = lines.filter((l) => (l['level'] as number) >= info).map((l) => String(l['msg']));
    const batchLines = atInfo.filter((m) => m.startsWith('SEF: batch of 50 report(s) from agent a1: '));
    const storedLines = atInfo.filter((m) => m.startsWith('SEF: stored '));
    expect(batchLines).toHaveLength(batches);
    expect(batchLines.at(-1)).toMatch(/: 44 accepted, 6 rejected \(unknown_pool 6\)$/);
    expect(storedLines.length).toBeGreaterThan(0);
    expect(storedLines.join('\n')).toMatch(/merged twins \(\d+ verified_dual_source, 0 averaged_dual_source\)/);
    expect(storedLines.join('\n')).toMatch(/1 gap detected, 1 filled with 3 interpolated points/);
    // Nothing else at info: no line per point.
    expect(atInfo.length).toBe(batchLines.length + storedLines.length);
    // SEF stores each queued batch on its own: at most one stored line per batch.
    expect(storedLines.length).toBeLessThanOrEqual(batches);
    const atDebug = lines.filter((l) => l['level'] === 20).map((l) => String(l['msg']));
    expect(atDebug.filter((m) => m.startsWith('SEF: merged primary and replica reports')).length).toBe(497);
    expect(atDebug.filter((m) => m === 'SEF: report rejected')).toHaveLength(6);
    process.stdout.write(`log lines at info per 1,000 reports (20 batches of 50, primary + replica): ${atInfo.length} (${batchLines.length} batch, ${storedLines.length} stored); at debug: ${atDebug.length}\n`);
  });

  it.skipIf(skipped('postgres') || skipped('redis'))('the migrations say what they applied, and a second start that the schema is up to date', async () => {
    h = await startServer('postgres+redis');
    const first = h.logs.find((l) => String(l['msg']).startsWith('migrations: '));
    expect(first?.['msg']).toMatch(/^migrations: applied \d+ to schema test_\w+ \(1 initial schema, 2 .*\); now at version \d+$/);
    const again = await startServer('postgres+redis', { shareBackendsOf: h });
    try {
      expect(again.logs.find((l) => String(l['msg']).startsWith('migrations: '))?.['msg']).toMatch(/^migrations: schema test_\w+ is up to date \(version \d+\)$/);
    } finally {
      await again.close();
    }
  });
});

describe('log format (SEF_LOG_FORMAT)', () => {
  const sink = (isTTY: boolean) => {
    const out: string[] = [];
    const destination = Object.assign(new Writable({ write: (c: Buffer, _e, done) => (out.push(c.toString()), done()) }), { isTTY });
    return { out, destination };
  };

  it('auto: readable lines on a terminal, JSON otherwise; pretty and json force either', () => {
    expect(resolveLogFormat('auto', { isTTY: true })).toBe('pretty');
    expect(resolveLogFormat('auto', {})).toBe('json');
    expect(resolveLogFormat('json', { isTTY: true })).toBe('json');
    expect(resolveLogFormat('pretty', {})).toBe('pretty');
  });

  it('pretty writes time, level and message on one line with the fields below; json writes pino JSON lines', () => {
    const tty = sink(true);
    createLogger({ level: 'info', format: 'auto', destination: tty.destination }).info({ agentId: 'a1' }, 'SEF: risk 0.420 for agent a1 (heuristic)');
    const text = tty.out.join('');
    // eslint-disable-next-line no-control-regex
    const plain = text.replace(/\u001b\[[0-9;]*m/g, '');
    expect(plain).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: SEF: risk 0.420 for agent a1 \(heuristic\)\n\s+agentId: "a1"\n$/);
    expect(() => JSON.parse(text)).toThrow();
    const pipe = sink(false);
    createLogger({ level: 'info', format: 'auto', destination: pipe.destination }).info({ agentId: 'a1' }, 'hello');
    expect(JSON.parse(pipe.out.join(''))).toMatchObject({ level: 30, msg: 'hello', agentId: 'a1' });
    const forced = sink(true);
    createLogger({ level: 'info', format: 'json', destination: forced.destination }).info('hello');
    expect(JSON.parse(forced.out.join(''))).toMatchObject({ msg: 'hello' });
  });
});
