import { createFakeClock } from '@sef/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createSefHttp } from '../src/http.js';
import { interruptionRequest } from '../src/notice-forwarder.js';
import { createReporter } from '../src/reporter.js';
import { openSpool } from '../src/spool.js';
import { captureLog, removeDir, tempDir } from './support/agent-setup.js';
import { startTestServer, type TestServer } from './support/sef-server.js';

let server: TestServer;
let dir: string;
beforeEach(async () => {
  server = await startTestServer();
  dir = await tempDir();
});
afterEach(async () => {
  await server.close();
  await removeDir(dir);
});

it('a notice answered 202 is delivered at once, and a copy SEF already has (a duplicate) is delivered too, never spooled', async () => {
  const token = await server.register('agent-1', 'i-1', 'us-east-1a:c5.large');
  const { log, lines } = captureLog();
  const spool = await openSpool({ dir, log });
  const reporter = createReporter({ http: createSefHttp({ url: server.url, token }), spool, clock: createFakeClock(Date.now()), log });
  const noticeTime = Math.floor(Date.now() / 1000) * 1000;
  const request = interruptionRequest('agent-1', { type: 'termination-notice', instanceId: 'i-1', noticeTime, actionTime: noticeTime + 120_000, source: 'imds' });
  await reporter.send(request, { urgent: true });
  await reporter.send(request, { urgent: true });
  expect(spool.size).toBe(0);
  const acks = lines.filter((l) => l['msg'] === 'SEF acknowledged the notice');
  expect(acks.map((l) => l['duplicate'])).toEqual([false, true]);
  expect(acks[1]!['noticeId']).toBe(acks[0]!['noticeId']);
  expect(await server.composition.sef.storage.events.listSignals({ since: 0 })).toHaveLength(1);
  await reporter.stop();
});
