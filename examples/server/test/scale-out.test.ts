import { afterEach, describe, expect, it } from 'vitest';
import { register } from './support/endpoint-suite.js';
import { bearer, gridTime, skipped, startServer, type Harness } from './support/harness.js';
import { waitForStatus } from './support/replica-suite.js';

const pool = 'us-east-1a:c5.large';
const started: Harness[] = [];
afterEach(async () => {
  // The second server closes first: the first one owns (and drops) the shared schema and keys.
  for (const h of started.splice(0).reverse()) await h.close();
});

describe.skipIf(skipped('postgres') || skipped('redis'))('two servers on one Postgres + Redis behave as one', () => {
  it('an agent registered on one is served by the other, and both read the same timeline', async () => {
    const one = await startServer('postgres+redis');
    started.push(one);
    const two = await startServer('postgres+redis', { shareBackendsOf: one });
    started.push(two);
    const { token, instanceId } = await register(one, 'a1');
    const t0 = gridTime(3);
    const first = await two.app.inject({ method: 'POST', url: '/api/agents/a1/pricing', headers: bearer(token), payload: { reports: [{ instanceId, poolId: pool, timestamp: t0, price: 0.05 }] } });
    expect(first.statusCode).toBe(202);
    const second = await one.app.inject({ method: 'POST', url: '/api/agents/a1/pricing', headers: bearer(token), payload: { reports: [{ instanceId, poolId: pool, timestamp: t0 + 1200, price: 0.06 }] } });
    expect(second.json()).toMatchObject({ accepted: 1 });
    await one.sef.flush();
    await two.sef.flush();
    const url = `/api/agents/a1/prices?pool=${pool}&from=${t0}&to=${t0 + 1200}`;
    const a = (await one.app.inject({ method: 'GET', url, headers: bearer(token) })).json<{ series: { points: { data_quality_flag: string }[] }[] }>();
    const b = (await two.app.inject({ method: 'GET', url, headers: bearer(token) })).json<unknown>();
    expect(a).toEqual(b);
    expect(a.series[0]!.points.map((p) => p.data_quality_flag)).toEqual(['single_source', 'interpolated', 'interpolated', 'interpolated', 'single_source']);
    const modes = await two.app.inject({ method: 'POST', url: '/api/agents/a1/auto-switch/enable', headers: bearer(one.adminToken) });
    expect(modes.statusCode).toBe(200);
    const refused = await one.app.inject({ method: 'POST', url: '/api/agents/a1/manual-replica/enable', headers: bearer(one.adminToken) });
    expect(refused.json()).toMatchObject({ error: { message: 'Auto mode active' } });
  });

  it('the risk scored on a rebalance by one is the last risk the other shows', async () => {
    const one = await startServer('postgres+redis');
    started.push(one);
    const two = await startServer('postgres+redis', { shareBackendsOf: one });
    started.push(two);
    await register(one, 'a1');
    const res = await one.app.inject({ method: 'POST', url: '/api/agents/a1/interruption', headers: bearer(one.adminToken), payload: { signal_type: 'rebalance-recommendation' } });
    expect(res.statusCode, res.body).toBeLessThan(300);
    const seen = await waitForStatus(one, 'a1', (s) => (s as unknown as { risk: unknown }).risk !== null);
    const other = (await two.app.inject({ method: 'GET', url: '/api/agents/a1/sef-status', headers: bearer(two.adminToken) })).json<{ risk: unknown }>();
    expect(other.risk).toEqual((seen as unknown as { risk: unknown }).risk);
    expect(other.risk).toMatchObject({ score: expect.any(Number), source: 'heuristic', factors: { interruptionHistory: 0 } });
  });
});
