import { createFakeClock } from '@sef/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createSefHttp } from '../src/http.js';
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

async function reporterFor(token: string, sub = 'a') {
  const { log, lines } = captureLog();
  const spool = await openSpool({ dir: `${dir}/${sub}`, log });
  const reporter = createReporter({ http: createSefHttp({ url: server.url, token }), spool, clock: createFakeClock(Date.now()), log });
  return { reporter, spool, lines };
}

it('a report SEF rejects inside a 202 is logged with its reasons and dropped; the rest of the batch is accepted', async () => {
  const token = await server.register('agent-1', 'i-1', 'us-east-1a:c5.large');
  const { reporter, spool, lines } = await reporterFor(token);
  const now = Math.floor(Date.now() / 1000 / 300) * 300;
  await reporter.send({
    path: '/api/agents/agent-1/pricing',
    body: { reports: [
      { instanceId: 'i-1', poolId: 'us-east-1a:c5.large', timestamp: now, price: 0.04 },
      { instanceId: 'i-1', poolId: 'us-east-1a:c5.large', timestamp: now - 300, price: -1 },
    ] },
  });
  expect(spool.size).toBe(0);
  const dropped = lines.filter((l) => l['msg'] === 'SEF rejected a report; dropped');
  expect(dropped).toHaveLength(1);
  expect(dropped[0]).toMatchObject({ index: 1, report: { price: -1 } });
  expect(JSON.stringify(dropped[0]!['errors'])).toContain('price_out_of_range');
  // What it did, on success too: one info line per delivered batch.
  expect(lines.filter((l) => l['level'] === 'info').map((l) => l['msg'])).toEqual(['SEF accepted 1 report(s), rejected 1']);
  expect((await server.composition.sef.stats()).accepted).toBe(1);
  await reporter.stop();
});

it('a 4xx for a request (bad body 400, a path of another agent 403, bad token 401) is logged with its reasons and dropped, never spooled or retried', async () => {
  const token = await server.register('agent-1', 'i-1', 'us-east-1a:c5.large');
  const { reporter, spool, lines } = await reporterFor(token);
  await reporter.send({ path: '/api/agents/agent-1/interruption', body: { signal_type: 'not-a-signal' } });
  await reporter.send({ path: '/api/agents/agent-2/interruption', body: { signal_type: 'rebalance-recommendation' } });
  const bad = await reporterFor('not-a-token', 'b');
  await bad.reporter.send({ path: '/api/agents/agent-1/pricing', body: { reports: [{ instanceId: 'i-1', poolId: 'us-east-1a:c5.large', timestamp: 1, price: 1 }] } });
  const refused = [...lines, ...bad.lines].filter((l) => l['msg'] === 'SEF refused the request; dropped, not retried');
  expect(refused.map((l) => l['status'])).toEqual([400, 403, 401]);
  for (const l of refused) expect(l['reasons']).toBeTruthy();
  expect(spool.size).toBe(0);
  expect(bad.spool.size).toBe(0);
  expect(await server.composition.sef.storage.events.listSignals({ since: 0 })).toHaveLength(0);
  await reporter.stop();
  await bad.reporter.stop();
});
