import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../src/agent.js';
import { ConfigError } from '@sef/core';
import { parseConfig } from '../src/config.js';
import { agentConfig, captureLog, removeDir, tempDir } from './support/agent-setup.js';
import { startImdsMock, type ImdsMock } from '@sef/adapter-aws/testing';
import { startTestServer, until, type TestServer } from './support/sef-server.js';

let server: TestServer;
let dir: string;
let imds: ImdsMock | undefined;
let agent: RunningAgent | undefined;
beforeEach(async () => {
  server = await startTestServer();
  dir = await tempDir();
});
afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  await imds?.close();
  await server.close();
  await removeDir(dir);
});

it('a replica heartbeats "syncing" until its ready file exists, then "ready", and SEF marks the replica ready', async () => {
  const token = await server.register('agent-1', 'i-primary', 'us-east-1a:c5.large');
  const enable = await fetch(`${server.url}/api/agents/agent-1/manual-replica/enable`, { method: 'POST', headers: { authorization: `Bearer ${server.adminToken}` } });
  expect(enable.status).toBe(200);
  const sef = server.composition.sef;
  const replica = async () => (await sef.storage.replicas.listByAgent('agent-1')).at(-1);
  await until(async () => (await replica())?.instanceId != null, 'the replica launched');
  const replicaInstance = (await replica())!.instanceId!;
  imds = await startImdsMock({ instanceId: replicaInstance });
  const readyFile = join(dir, 'synced');
  const { log, lines } = captureLog();
  agent = await startAgent(
    agentConfig({ url: server.url, agentId: 'agent-1', token, spoolDir: join(dir, 'spool'), imdsEndpoint: imds.endpoint, role: 'replica', readyFile, heartbeatMs: 50 }),
    { log },
  );
  await until(async () => (await replica())?.status === 'syncing', 'the replica syncing');
  await new Promise((r) => setTimeout(r, 200)); // a few heartbeats, all acknowledged, none saying ready
  expect((await replica())?.status).toBe('syncing');
  expect(lines.filter((l) => l['msg'] === 'heartbeat not acknowledged')).toEqual([]);
  await writeFile(readyFile, '');
  await until(async () => (await replica())?.status === 'ready', 'the replica ready', 3000);
});

it('flags win over the environment; required settings and a bad role are refused with the setting named', () => {
  const env = { SEF_URL: 'http://env:5000', SEF_AGENT_ID: 'env-agent', SEF_AGENT_TOKEN: 't', SEF_POOLS: 'us-east-1a:c5.large, us-east-1b:m5.large' };
  const c = parseConfig(['--url', 'http://flag:5000', '--role', 'replica'], env);
  expect(c).toMatchObject({ url: 'http://flag:5000', agentId: 'env-agent', role: 'replica', pools: ['us-east-1a:c5.large', 'us-east-1b:m5.large'], spoolMaxEntries: 10_000 });
  expect(parseConfig(['--help'], {})).toBe('help');
  expect(() => parseConfig([], { SEF_URL: 'http://x' })).toThrow(/SEF_AGENT_ID/);
  expect(() => parseConfig(['--role', 'boss'], env)).toThrow(ConfigError);
  expect(() => parseConfig(['--spool-max', '0'], env)).toThrow(/spool-max/);
});
