import { Writable } from 'node:stream';
import { createFakeClock, createMemoryStorage, createSef, createSimulatedCloud, simulatedPools } from '@sef/core';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { createAlertBook } from '../src/observability/alert-book.js';
import { logDecisions } from '../src/observability/decision-log.js';
import { createMetrics } from '../src/observability/metrics.js';

it('every reconciliation decision is a SEF: log line and a sef_orphan_instances_total count', async () => {
  const clock = createFakeClock(Date.UTC(2026, 0, 1, 12));
  const cloud = createSimulatedCloud({ clock });
  const storage = createMemoryStorage({ clock, pools: simulatedPools() });
  const sef = createSef({ clock, cloud, storage });
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const alerts = createAlertBook({ now: () => clock.now() });
  logDecisions(sef, pino({ level: 'info' }, sink), alerts);
  const registry = createMetrics(sef, alerts);

  await sef.registerAgent({ id: 'a1', instanceId: 'i-a1', poolId: 'us-east-1a:c5.large' });
  const lost = await cloud.compute.launch({ agentId: 'a1', poolId: 'us-east-1a:c5.large', role: 'replica', market: 'spot' });
  const stray = await cloud.compute.launch({ agentId: 'gone', poolId: 'us-east-1a:c5.large', role: 'primary', market: 'spot' });
  // Launched for a notice still open (its run may be resumed and take the instance up): spared.
  const noticeId = 'a1~i-a1~term~1';
  const at = clock.now();
  await storage.events.recordSignal({
    id: noticeId, agentId: 'a1', instanceId: 'i-a1', poolId: 'us-east-1a:c5.large', signalType: 'termination-notice', instanceRole: 'primary',
    detectedAt: at, noticeTime: at, actionTime: null, deadline: at + 3_600_000, responseTimeMs: null, success: null, outcome: null, steps: [],
  });
  const resumable = await cloud.compute.launch({ agentId: 'a1', poolId: 'us-east-1a:c5.large', role: 'primary', market: 'spot', causeId: noticeId });
  await clock.advance(600_000);
  cloud.faults.failTerminates(4, (id) => id === stray.instanceId);
  const reconciling = sef.reconcile();
  for (let i = 0; i < 20; i++) await clock.advance(1_000);
  const { decisions } = await reconciling;
  expect(decisions.map((d) => [d.instanceId, d.outcome])).toEqual([
    [lost.instanceId, 'terminated'],
    [stray.instanceId, 'terminate_failed'],
    [resumable.instanceId, 'spared'],
  ]);

  const messages = lines.map((l) => l['msg']);
  expect(messages).toContain(`SEF: orphan instance ${lost.instanceId} of agent a1 (no_record) terminated after 1 attempt(s)`);
  expect(messages).toContainEqual(expect.stringMatching(new RegExp(`^SEF: orphan instance ${stray.instanceId} of agent gone \\(unknown_agent\\): terminate FAILED after 4 attempt\\(s\\)`)));
  expect(messages).toContain(`SEF: orphan instance ${resumable.instanceId} of agent a1 (no_record) spared: launched for notice ${noticeId}, still open; judged again once it ends`);
  const metrics = await registry.metrics();
  expect(metrics).toContain('sef_orphan_instances_total{reason="no_record",outcome="spared"} 1');
  expect(metrics).toContain('sef_orphan_instances_total{reason="no_record",outcome="terminated"} 1');
  expect(metrics).toContain('sef_orphan_instances_total{reason="unknown_agent",outcome="terminate_failed"} 1');
  await sef.stop();
});
