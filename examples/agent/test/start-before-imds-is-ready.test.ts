import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startImdsMock, type ImdsMock } from '@sef/adapter-aws/testing';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../src/agent.js';
import { agentConfig, captureLog, removeDir, tempDir } from './support/agent-setup.js';
import { startTestServer, until, type TestServer } from './support/sef-server.js';

// A real boot: the agent starts without --instance-id before IMDS answers. It must wait, say once what
// for, and start when IMDS answers (against the local IMDS that behaves like AWS's mock).
const instanceId = 'i-0boot0000000000001';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let server: TestServer;
let imds: ImdsMock;
let dir: string;
let agent: RunningAgent | undefined;
beforeEach(async () => {
  server = await startTestServer();
  imds = await startImdsMock({ instanceId });
  dir = await tempDir();
});
afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  await imds.close();
  await server.close();
  await removeDir(dir);
});

const waiting = (lines: Record<string, unknown>[]) => lines.filter((l) => String(l['msg']).startsWith('waiting for IMDS'));

it('IMDS not reachable at start: one line says what the agent waits for; once IMDS is up it starts and a notice reaches SEF', async () => {
  const token = await server.register('agent-1', instanceId, 'us-east-1a:c5.large');
  await imds.down();
  const { log, lines } = captureLog();
  let started = false;
  const starting = startAgent(agentConfig({ url: server.url, agentId: 'agent-1', token, spoolDir: dir, imdsEndpoint: imds.endpoint }), { log })
    .then((a) => ((started = true), (agent = a)));
  await until(() => waiting(lines).length > 0, 'the waiting line');
  expect(waiting(lines)).toEqual([expect.objectContaining({ level: 'warn' })]);
  expect(waiting(lines)[0]!['msg']).toMatch(/^waiting for IMDS to give this instance's id \(no --instance-id given\); retrying with backoff: IMDS at http:\/\/127\.0\.0\.1:\d+ did not answer the token request: ECONNREFUSED/);
  expect(started).toBe(false);

  await imds.up();
  await starting;
  expect(agent!.instanceId).toBe(instanceId);
  expect(waiting(lines)).toHaveLength(1);
  expect(lines.some((l) => l['msg'] === 'IMDS answered; instance id read')).toBe(true);
  imds.interrupt('stop');
  await until(async () => (await server.composition.sef.storage.events.listSignals({ since: 0, agentId: 'agent-1' })).length > 0, 'the notice in SEF');
});

it('IMDS refusing the token (405, an IMDSv1-only endpoint or proxy): the agent says so, keeps trying, and starts once tokens are issued', async () => {
  const token = await server.register('agent-1', instanceId, 'us-east-1a:c5.large');
  imds.refuseTokens(405);
  const { log, lines } = captureLog();
  let started = false;
  const starting = startAgent(agentConfig({ url: server.url, agentId: 'agent-1', token, spoolDir: dir, imdsEndpoint: imds.endpoint }), { log })
    .then((a) => ((started = true), (agent = a)));
  await until(() => imds.requests.filter((r) => r.status === 405).length >= 2, 'two refused token requests');
  expect(started).toBe(false);
  expect(waiting(lines)).toHaveLength(1); // one line, not one per attempt
  expect(waiting(lines)[0]!['msg']).toContain('IMDS refused the session token (PUT /latest/api/token answered 405)');
  imds.refuseTokens(null);
  await starting;
  expect(agent!.instanceId).toBe(instanceId);
});

it('main.ts as a process: waits for IMDS instead of exiting, starts when it answers, and SIGTERM stops it with exit code 0', async () => {
  await imds.down();
  const child = spawn(process.execPath, ['--conditions=@sef/source', '--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { ...process.env, SEF_URL: server.url, SEF_AGENT_ID: 'agent-1', SEF_AGENT_TOKEN: 'unused', SEF_SPOOL_DIR: dir, SEF_SIMULATED: '1', AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.endpoint, SEF_HEARTBEAT_MS: '3600000' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const other: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      other.push(line);
    }
  });
  try {
    await until(() => waiting(lines).length > 0, 'the waiting line', 20_000);
    await imds.up();
    await until(() => lines.some((l) => l['msg'] === 'sef-agent started'), 'the agent started', 20_000);
    expect(lines.find((l) => l['msg'] === 'sef-agent started')).toMatchObject({ instanceId });
    expect(child.exitCode).toBeNull();
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(other.filter((l) => /at .*\.ts:\d+/.test(l))).toEqual([]); // no stack trace
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});
