import { createFakeClock, createSimulatedCloud, systemClock } from '@sef/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../src/agent.js';
import { openSpool } from '../src/spool.js';
import { agentConfig, captureLog, removeDir, tempDir } from './support/agent-setup.js';
import { startImdsMock, type ImdsMock } from '@sef/adapter-aws/testing';
import { startTestServer, until, type TestServer } from './support/sef-server.js';

const instanceId = 'i-0agent00000000002';
const pools = ['us-east-1a:c5.large', 'us-east-1b:m5.large'];
const grid = 300_000;
let server: TestServer;
let imds: ImdsMock;
let dir: string;
const agents: RunningAgent[] = [];

beforeEach(async () => {
  server = await startTestServer();
  imds = await startImdsMock({ instanceId });
  dir = await tempDir();
});
afterEach(async () => {
  for (const a of agents.splice(0)) await a.stop();
  await imds.close();
  await server.close();
  await removeDir(dir);
});

/** Stored real points per pool, after the dedupe window closed. */
async function stored(token: string) {
  await new Promise((r) => setTimeout(r, 1100));
  await server.composition.sef.flush();
  const res = await fetch(`${server.url}/api/agents/agent-1/prices?from=0`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { series: { pool_id: string; points: { timestamp: number; data_quality_flag: string }[] }[] };
  return Object.fromEntries(body.series.map((s) => [s.pool_id, s.points.filter((p) => p.data_quality_flag !== 'interpolated').map((p) => p.timestamp)]));
}

// The agent's clock starts 3 h back on the grid, so its 300 s grid points are in SEF's accepted age.
const start = () => Math.floor((Date.now() - 3 * 3_600_000) / grid) * grid + 1;
const feed = createSimulatedCloud({ clock: systemClock }).priceFeed;

it('SEF down for a while: reports made meanwhile are spooled and, once SEF is back on the same port, every one is stored exactly once', async () => {
  const token = await server.register('agent-1', instanceId, pools[0]!);
  const clock = createFakeClock(start());
  const t0 = Math.floor(clock.now() / grid) * grid;
  const { log, lines } = captureLog();
  const agent = await startAgent(agentConfig({ url: server.url, agentId: 'agent-1', token, spoolDir: dir, imdsEndpoint: imds.endpoint, instanceId, pools }), { log, clock, priceFeed: feed });
  agents.push(agent);
  const spooled = () => lines.filter((l) => l['msg'] === 'SEF unavailable; kept in the spool').length;

  const accepted = new Set<number>();
  server.composition.sef.on('report.accepted', ({ report }) => void accepted.add(report.timestamp));
  for (let i = 0; i < 2; i++) await clock.advance(grid); // grid points 0..2, delivered directly
  await until(() => accepted.size === 3, 'grid points 0..2 accepted');
  await server.stopHttp();
  for (let i = 0; i < 4; i++) {
    await clock.advance(grid); // grid points 3..6 while SEF is down
    await until(() => agent.reporter.backlog() === i + 1, `grid point ${i + 3} spooled`);
  }
  await server.startHttp();
  await clock.advance(60_000); // past the longest backoff
  const drained = () => Promise.race([agent.reporter.drained().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 50))]);
  await until(async () => {
    await clock.advance(1000);
    return drained();
  }, 'the spool drained');
  expect(spooled()).toBeGreaterThanOrEqual(4);
  // Once SEF is back the agent says what it delivered from the spool.
  const delivered = lines.filter((l) => String(l['msg']).endsWith('spooled request(s) to SEF')).reduce((n, l) => n + (l['delivered'] as number), 0);
  expect(delivered).toBeGreaterThanOrEqual(4);

  const expected = Array.from({ length: 7 }, (_, i) => (t0 + i * grid) / 1000);
  const points = await stored(token);
  for (const pool of pools) expect(points[pool]).toEqual(expected);
});

it('the spool survives a restart of the agent: a new agent on the same spool dir replays it in order', async () => {
  const token = await server.register('agent-1', instanceId, pools[0]!);
  const clock = createFakeClock(start());
  const t0 = Math.floor(clock.now() / grid) * grid;
  await server.stopHttp();
  const first = captureLog();
  const a = await startAgent(agentConfig({ url: server.url, agentId: 'agent-1', token, spoolDir: dir, imdsEndpoint: imds.endpoint, instanceId, pools }), { log: first.log, clock, priceFeed: feed });
  await until(() => first.lines.some((l) => l['msg'] === 'SEF unavailable; kept in the spool'), 'the first batch spooled');
  for (let i = 0; i < 2; i++) {
    await clock.advance(grid);
    await until(() => a.reporter.backlog() === i + 2, 'the next grid point spooled');
  }
  await a.stop();
  const onDisk = await openSpool({ dir, log: first.log });
  expect(onDisk.entries().map((e) => (e.body as { reports: { timestamp: number }[] }).reports[0]!.timestamp)).toEqual([0, 1, 2].map((i) => (t0 + i * grid) / 1000));
  await onDisk.close();

  await server.startHttp();
  const second = captureLog();
  const b = await startAgent(agentConfig({ url: server.url, agentId: 'agent-1', token, spoolDir: dir, imdsEndpoint: imds.endpoint, instanceId, pools: [] }), { log: second.log, clock: createFakeClock(clock.now()), priceFeed: feed });
  agents.push(b);
  expect(second.lines.find((l) => l['msg'] === 'replaying spooled requests')).toMatchObject({ count: 3 });
  await b.reporter.drained();
  const points = await stored(token);
  for (const pool of pools) expect(points[pool]).toEqual([0, 1, 2].map((i) => (t0 + i * grid) / 1000));
});
