import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../src/clock/index.js';
import { createSimulatedCloud, realisticLatencies } from '../src/sim/cloud.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const POOL = 'us-east-1a:c5.large';
const req = { agentId: 'a1', poolId: POOL, role: 'replica' as const, market: 'spot' as const };

describe('simulated cloud', () => {
  it('a launch retried with the same idempotency token returns the first instance and launches nothing more', async () => {
    const cloud = createSimulatedCloud({ clock: createFakeClock(T0) });
    const a = await cloud.compute.launch(req, { idempotencyToken: 'sig:launch' });
    const b = await cloud.compute.launch(req, { idempotencyToken: 'sig:launch' });
    const c = await cloud.compute.launch(req, { idempotencyToken: 'other' });
    expect(b.instanceId).toBe(a.instanceId);
    expect(c.instanceId).not.toBe(a.instanceId);
    expect(cloud.compute.instances()).toHaveLength(2);
  });

  it('instance ids look like EC2 ids and never repeat between two clouds started at the same moment (a restart, another process)', async () => {
    const launchAll = async () => {
      const cloud = createSimulatedCloud({ clock: createFakeClock(T0) });
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) ids.push((await cloud.compute.launch(req)).instanceId);
      return ids;
    };
    const first = await launchAll();
    const second = await launchAll();
    for (const id of [...first, ...second]) expect(id).toMatch(/^i-[0-9a-f]{17}$/);
    expect(new Set([...first, ...second]).size).toBe(40);
  });

  it('instanceIdPrefix makes the ids reproducible', async () => {
    const cloud = createSimulatedCloud({ clock: createFakeClock(T0), instanceIdPrefix: '0123abcde' });
    expect((await cloud.compute.launch(req)).instanceId).toBe('i-0123abcde00000001');
  });

  it('latencies run on the clock: launch accepted after 1.2 s, running 40 s later', async () => {
    const clock = createFakeClock(T0);
    const cloud = createSimulatedCloud({ clock, latencies: realisticLatencies });
    let info: { instanceId: string; state: string } | undefined;
    void cloud.compute.launch(req).then((i) => (info = i));
    await clock.advance(1_199);
    expect(info).toBeUndefined();
    await clock.advance(1);
    expect(info?.state).toBe('pending');
    let running = false;
    void cloud.compute.waitUntilRunning(info!.instanceId).then(() => (running = true));
    await clock.advance(39_999);
    expect(running).toBe(false);
    await clock.advance(1);
    expect(running).toBe(true);
  });

  it('injected faults: launch failures, no capacity in a pool, and a hanging call that only its signal ends', async () => {
    const clock = createFakeClock(T0);
    const cloud = createSimulatedCloud({ clock });
    cloud.faults.failLaunches(1);
    await expect(cloud.compute.launch(req)).rejects.toMatchObject({ code: 'PROVIDER' });
    await expect(cloud.compute.launch(req)).resolves.toMatchObject({ poolId: POOL });
    cloud.faults.noCapacity(POOL);
    await expect(cloud.compute.launch(req)).rejects.toMatchObject({ code: 'CAPACITY', poolId: POOL });
    await expect(cloud.compute.launch({ ...req, market: 'on-demand' })).resolves.toMatchObject({ market: 'on-demand' });
    cloud.faults.unusablePool(POOL);
    await expect(cloud.compute.launch({ ...req, market: 'on-demand' })).rejects.toMatchObject({ code: 'POOL_UNUSABLE', poolId: POOL });
    cloud.faults.unusablePool(POOL, false);
    cloud.faults.hang('route');
    const controller = new AbortController();
    const routed = cloud.router.route('a1', 'i-x', { signal: controller.signal });
    await clock.advance(3_600_000);
    controller.abort(new Error('deadline'));
    await expect(routed).rejects.toThrow('deadline');
  });

  it('prices are deterministic in the seed, step once an hour, and the history includes the change before `from`', async () => {
    const a = createSimulatedCloud({ clock: createFakeClock(T0), seed: 3 });
    const b = createSimulatedCloud({ clock: createFakeClock(T0), seed: 3 });
    const c = createSimulatedCloud({ clock: createFakeClock(T0), seed: 4 });
    const from = T0 - 86_400_000 + 1_800_000;
    const ha = await a.priceFeed.priceHistory(POOL, from, T0);
    expect(await b.priceFeed.priceHistory(POOL, from, T0)).toEqual(ha);
    expect(await c.priceFeed.priceHistory(POOL, from, T0)).not.toEqual(ha);
    expect(ha[0]!.time).toBeLessThanOrEqual(from);
    expect(ha[1]!.time).toBeGreaterThan(from);
    expect(ha.at(-1)!.time).toBe(T0);
    for (const p of ha) expect(p.price).toBeGreaterThan(0);
    const candidates = await a.priceFeed.candidatePools({ agentId: 'a1', region: 'us-east-1', currentPoolId: POOL });
    expect(candidates.every((x) => x.poolId.startsWith('us-east-1') && x.poolId.endsWith('.large'))).toBe(true);
    expect(candidates.find((x) => x.poolId === POOL)?.spotPrice).toBe(a.prices.priceAt(POOL, T0));
  });

  it('signals are delivered to every started handler until it stops', async () => {
    const clock = createFakeClock(T0);
    const cloud = createSimulatedCloud({ clock });
    const got: string[] = [];
    const stop = cloud.signals.start(async (s) => void got.push(`${s.type}@${s.noticeTime}`));
    const notice = cloud.signals.notice('i-1', 'termination-notice');
    expect(notice.actionTime).toBe(T0 + 120_000);
    await cloud.signals.deliver(notice);
    await stop();
    await cloud.signals.deliver(notice);
    expect(got).toEqual([`termination-notice@${T0}`]);
  });
});

describe('simulated cloud call log', () => {
  it('keeps only the latest maxCallLog calls, oldest dropped first', async () => {
    const cloud = createSimulatedCloud({ clock: createFakeClock(0), maxCallLog: 3 });
    for (let i = 0; i < 5; i++) await cloud.compute.describe(`i-${i}`, { idempotencyToken: `t${i}` });
    expect(cloud.calls.map((c) => c.token)).toEqual(['t2', 't3', 't4']);
  });
});

describe('simulated cloud latency spread, restore and price model', () => {
  it('each latency is drawn within ±spread of its value, the same for the same seed, and exact with no spread', async () => {
    const measure = async (seed: number, latencySpread: number) => {
      const clock = createFakeClock(T0);
      const cloud = createSimulatedCloud({ clock, seed, latencySpread, latencies: { describe: 1_000 } });
      const out: number[] = [];
      for (let i = 0; i < 40; i++) {
        let answeredAt = -1;
        const started = clock.now();
        void cloud.compute.describe('i-x').then(() => (answeredAt = clock.now()));
        while (answeredAt < 0) await clock.advance(10);
        out.push(answeredAt - started);
      }
      return out;
    };
    const a = await measure(5, 0.5);
    expect(await measure(5, 0.5)).toEqual(a);
    expect(await measure(6, 0.5)).not.toEqual(a);
    for (const d of a) expect(d).toBeGreaterThanOrEqual(500 - 10);
    for (const d of a) expect(d).toBeLessThanOrEqual(1_500 + 10);
    expect(Math.max(...a) - Math.min(...a)).toBeGreaterThan(400);
    expect(new Set(await measure(5, 0))).toEqual(new Set([1_000]));
    expect(() => createSimulatedCloud({ clock: createFakeClock(T0), latencySpread: 1 })).toThrow(/latencySpread/);
  });

  it('an instance launched from snapshots runs after boot plus restore; one without, after boot alone', async () => {
    const clock = createFakeClock(T0);
    const cloud = createSimulatedCloud({ clock, latencies: { boot: 40_000, restore: 30_000 } });
    const plain = await cloud.compute.launch(req);
    const restored = await cloud.compute.launch({ ...req, snapshotIds: ['snap-1'] });
    await clock.advance(40_000);
    expect((await cloud.compute.describe(plain.instanceId))?.state).toBe('running');
    expect((await cloud.compute.describe(restored.instanceId))?.state).toBe('pending');
    await clock.advance(30_000);
    expect((await cloud.compute.describe(restored.instanceId))?.state).toBe('running');
  });

  it('a given price model is what the price feed serves', async () => {
    const clock = createFakeClock(T0);
    const prices = { priceAt: () => 0.0123, onDemandPrice: () => 0.085, history: () => [{ time: T0, price: 0.0123 }] };
    const cloud = createSimulatedCloud({ clock, prices });
    const candidates = await cloud.priceFeed.candidatePools({ agentId: 'a1', region: 'us-east-1', currentPoolId: POOL });
    expect(candidates.every((c) => c.spotPrice === 0.0123 && c.onDemandPrice === 0.085)).toBe(true);
    expect(await cloud.priceFeed.priceHistory(POOL, T0 - 1, T0)).toEqual([{ time: T0, price: 0.0123 }]);
  });
});
