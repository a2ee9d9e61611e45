import { afterEach, beforeEach, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../src/agent.js';
import { agentConfig, captureLog, removeDir, tempDir } from './support/agent-setup.js';
import { startImdsMock, type ImdsMock } from '@sef/adapter-aws/testing';
import { startTestServer, until, type TestServer } from './support/sef-server.js';

const instanceId = 'i-0agent00000000001';
let server: TestServer;
let imds: ImdsMock;
let agent: RunningAgent | undefined;
let dir: string;

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

const signals = () => server.composition.sef.storage.events.listSignals({ since: 0, agentId: 'agent-1' });

it('an IMDS termination notice reaches SEF at once and is recorded exactly once while IMDS keeps showing it', async () => {
  const token = await server.register('agent-1', instanceId, 'us-east-1a:c5.large');
  const { log } = captureLog();
  agent = await startAgent(agentConfig({ url: server.url, agentId: 'agent-1', token, spoolDir: dir, imdsEndpoint: imds.endpoint }), { log });
  expect(agent.instanceId).toBe(instanceId); // read from IMDS
  const quiet = imds.requests.length;
  await until(() => imds.requests.length >= quiet + 6, 'a few IMDS polls with nothing to report');
  expect(await signals()).toHaveLength(0);

  imds.interrupt('terminate'); // its `time` is rewritten on every poll, like AWS's mock does
  await until(async () => (await signals()).length > 0, 'the notice in SEF');
  const polls = imds.requests.length;
  await until(() => imds.requests.length >= polls + 10, 'five more IMDS polls'); // the notice stays in IMDS
  const recorded = await signals();
  expect(recorded).toHaveLength(1);
  expect(recorded[0]).toMatchObject({ agentId: 'agent-1', instanceId, signalType: 'termination-notice' });
  expect(agent.reporter).toBeDefined();
});

it('a rebalance recommendation that appears while SEF is down is spooled and recorded exactly once after SEF returns', async () => {
  const token = await server.register('agent-1', instanceId, 'us-east-1a:c5.large');
  const { log, lines } = captureLog();
  agent = await startAgent(agentConfig({ url: server.url, agentId: 'agent-1', token, spoolDir: dir, imdsEndpoint: imds.endpoint, instanceId }), { log });
  await server.stopHttp();
  imds.recommendRebalance(Date.now() - 1000);
  await until(() => lines.some((l) => l['msg'] === 'SEF unavailable; kept in the spool'), 'the failed delivery');
  const down = imds.requests.length; // IMDS polls go on; the watcher must not hand the notice over again
  await until(() => imds.requests.length >= down + 6, 'more IMDS polls while SEF is down');
  await server.startHttp();
  await until(async () => (await signals()).length > 0, 'the notice in SEF after the restart');
  await agent.reporter.drained();
  const back = imds.requests.length;
  await until(() => imds.requests.length >= back + 6, 'more IMDS polls after the delivery');
  const recorded = await signals();
  expect(recorded).toHaveLength(1);
  expect(recorded[0]).toMatchObject({ signalType: 'rebalance-recommendation', instanceId });
});
