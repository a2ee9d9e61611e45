import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../src/clock/index.js';
import type { Alert, GapEvent } from '../src/events/event-map.js';
import { createMemoryDedupeBuffer } from '../src/memory/dedupe-buffer.js';
import { createMemoryIngestQueue } from '../src/memory/ingest-queue.js';
import { createMemoryStorage } from '../src/memory/storage.js';
import type { AddOptions, DedupeBuffer } from '../src/ports/dedupe-buffer.js';
import { createSef } from '../src/sef/index.js';
import { createSimulatedCloud } from '../src/sim/cloud.js';
import { simulatedPools } from '../src/sim/pool-catalog.js';

const start = Date.UTC(2026, 0, 1, 12);
const T = start / 1000 - 3600; // report times an hour before the clock's start
const pool = 'us-east-1a:c5.large';
const series = { agentId: 'a1', poolId: pool };

async function setup(withReplica = true) {
  const clock = createFakeClock(start);
  const storage = createMemoryStorage({ clock, pools: simulatedPools() });
  const sef = createSef({ clock, storage, cloud: createSimulatedCloud({ clock }) });
  const a = await sef.registerAgent({ id: 'a1', instanceId: 'i-p', poolId: pool });
  if (withReplica) await storage.agents.update('a1', a.version, { replicaInstanceId: 'i-r' });
  const primary = (timestamp: number, price: number) => ({ instanceId: 'i-p', poolId: pool, timestamp, price });
  const replica = (timestamp: number, price: number) => ({ instanceId: 'i-r', poolId: pool, timestamp, price });
  const timeline = () => storage.prices.timeline(series, T - 86_400, T + 86_400);
  return { clock, storage, sef, primary, replica, timeline };
}

describe('ingest through createSef on a fake clock', () => {
  it('stores a lone report single_source once its 300 s window closes, not before', async () => {
    const { sef, clock, primary, timeline } = await setup();
    expect(await sef.ingest([primary(T, 0.0456)], { agentId: 'a1' })).toEqual({ accepted: 1, rejected: [] });
    await sef.flush();
    expect(await timeline()).toEqual([]);
    await clock.advance(299_999);
    await sef.flush();
    expect(await timeline()).toEqual([]);
    await clock.advance(1);
    await sef.flush();
    expect((await timeline()).map((p) => [p.timestamp, p.price, p.flag])).toEqual([[T, 0.0456, 'single_source']]);
    expect((await sef.stats()).buffered).toBe(0);
  });

  it("merges the spec's twins ($0.0456 and $0.0458 at T=1000, 0.44 % apart): the primary's value, verified", async () => {
    const { sef, primary, replica, timeline } = await setup();
    const merged: unknown[] = [];
    sef.on('report.merged', (e) => merged.push(e));
    await sef.ingest([primary(T, 0.0456)], { agentId: 'a1' });
    await sef.ingest([replica(T, 0.0458)], { agentId: 'a1' });
    expect((await timeline()).map((p) => [p.timestamp, p.price, p.flag, p.source])).toEqual([[T, 0.0456, 'verified_dual_source', 'dual']]);
    expect(merged).toEqual([{ series, timestamp: T, flag: 'verified_dual_source', price: 0.0456, primaryPrice: 0.0456, replicaPrice: 0.0458 }]);
    expect((await sef.stats()).merged).toEqual({ verified: 1, averaged: 0 });
  });

  it('averages twins 1 % apart and flags them averaged_dual_source', async () => {
    const { sef, primary, replica, timeline } = await setup();
    await sef.ingest([replica(T + 5, 0.0505)], { agentId: 'a1' });
    await sef.ingest([primary(T, 0.05)], { agentId: 'a1' });
    expect((await timeline()).map((p) => [p.timestamp, p.price, p.flag])).toEqual([[T, 0.05025, 'averaged_dual_source']]);
    expect((await sef.stats()).merged).toEqual({ verified: 0, averaged: 1 });
  });

  it('stores the reports of an agent without a replica at once', async () => {
    const { sef, primary, timeline } = await setup(false);
    await sef.ingest([primary(T, 0.05)], { agentId: 'a1' });
    expect((await timeline()).map((p) => p.flag)).toEqual(['single_source']);
  });

  it('fills the 20-minute gap of the spec at 300, 600 and 900 and leaves a 40-minute one open with an alert', async () => {
    const { sef, primary, timeline } = await setup(false);
    const events: Record<string, GapEvent[]> = { detected: [], filled: [], unfillable: [] };
    const alerts: Alert[] = [];
    sef.on('gap.detected', (e) => events['detected']!.push(e));
    sef.on('gap.filled', (e) => events['filled']!.push(e));
    sef.on('gap.unfillable', (e) => events['unfillable']!.push(e));
    sef.on('alert', (a) => alerts.push(a));
    await sef.ingest([primary(T, 0.05), primary(T + 1200, 0.06), primary(T + 3600, 0.06)], { agentId: 'a1' });
    const points = (await timeline()).map((p) => [p.timestamp - T, p.price, p.flag]);
    expect(points).toEqual([
      [0, 0.05, 'single_source'],
      [300, 0.0525, 'interpolated'],
      [600, 0.055, 'interpolated'],
      [900, 0.0575, 'interpolated'],
      [1200, 0.06, 'single_source'],
      [3600, 0.06, 'single_source'],
    ]);
    expect(events['detected']!.map((g) => g.length)).toEqual([1200, 2400]);
    expect(events['filled']!.map((g) => g.length)).toEqual([1200]);
    expect(events['unfillable']!.map((g) => [g.from - T, g.to - T])).toEqual([[1200, 3600]]);
    expect(alerts.map((a) => [a.kind, a.agentId])).toEqual([['unfillable_gap', 'a1']]);
    const stats = await sef.stats();
    expect([stats.interpolated, stats.gaps]).toEqual([3, { detected: 2, filled: 1, unfillable: 1, retracted: 0 }]);
  });

  it('retracts the alert of a 40-minute gap when late reports fill it, and alerts the part that stays open', async () => {
    const { sef, primary, timeline } = await setup(false);
    const alerts: Alert[] = [];
    const retracted: Alert[] = [];
    const gaps: GapEvent[] = [];
    sef.on('alert', (a) => alerts.push(a));
    sef.on('alert.retracted', (a) => retracted.push(a));
    sef.on('gap.retracted', (g) => gaps.push(g));
    await sef.ingest([primary(T, 0.05), primary(T + 2400, 0.06)], { agentId: 'a1' });
    expect(alerts.map((a) => a.details)).toEqual([{ poolId: pool, from: T, to: T + 2400, length: 2400 }]);
    // Late by an hour: 1200 splits the gap into two of 20 minutes, both filled.
    await sef.ingest([primary(T + 1200, 0.055)], { agentId: 'a1' });
    expect(gaps.map((g) => [g.from - T, g.to - T])).toEqual([[0, 2400]]);
    expect(retracted.map((a) => [a.kind, a.agentId, a.details])).toEqual([['unfillable_gap', 'a1', { poolId: pool, from: T, to: T + 2400, length: 2400 }]]);
    expect((await timeline()).filter((p) => p.flag === 'interpolated')).toHaveLength(6);
    // A gap of 100 minutes split 80 + 20: the 80 minutes stay open, raised as a new alert after the retraction.
    await sef.ingest([primary(T - 6000, 0.06)], { agentId: 'a1' });
    await sef.ingest([primary(T - 1200, 0.06)], { agentId: 'a1' });
    const span = (a: Alert) => [(a.details!['from'] as number) - T, (a.details!['to'] as number) - T];
    expect(alerts.map(span)).toEqual([[0, 2400], [-6000, 0], [-6000, -1200]]);
    expect(retracted.map(span)).toEqual([[0, 2400], [-6000, 0]]);
    expect((await sef.stats()).gaps).toMatchObject({ unfillable: 3, retracted: 2 });
  });

  it('stores nothing of a rejected report, whatever the junk', async () => {
    const junk = fc.oneof(
      fc.anything(),
      fc.record({ instanceId: fc.constantFrom('i-p', 'i-x'), poolId: fc.constantFrom(pool, 'nowhere'), timestamp: fc.oneof(fc.double(), fc.constant(T)), price: fc.oneof(fc.double({ max: 0 }), fc.double({ min: 1001 }), fc.constant(NaN)) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(junk, { maxLength: 10 }), async (batch) => {
        const { sef, clock, storage } = await setup();
        const { accepted, rejected } = await sef.ingest(batch, { agentId: 'a1' });
        expect(accepted).toBe(0);
        expect(rejected.map((r) => r.index)).toEqual(batch.map((_, i) => i));
        await clock.advance(600_000);
        await sef.flush();
        expect(await storage.prices.seriesOf('a1')).toEqual([]);
        expect(await sef.stats()).toMatchObject({ accepted: 0, rejected: batch.length, buffered: 0, queued: 0 });
      }),
      { numRuns: 50 },
    );
  });

  it('counts rejections by reason and emits report.rejected for each', async () => {
    const { sef, primary } = await setup();
    const seen: number[] = [];
    sef.on('report.rejected', (e) => seen.push(e.index));
    await sef.ingest([primary(T, -1), primary(T, 0.05), { ...primary(T, 2000), poolId: 'x' }], { agentId: 'a1' });
    const stats = await sef.stats();
    expect(seen).toEqual([0, 2]);
    expect(stats.rejectedByReason).toEqual({ price_out_of_range: 2, unknown_pool: 1 });
    expect([stats.accepted, stats.rejected, stats.buffered]).toEqual([1, 2, 1]);
  });
});

describe('what the pipeline tells the dedupe buffer', () => {
  it('marks a first delivery as such and a redelivered queue entry as a possible repeat', async () => {
    const clock = createFakeClock(start);
    const storage = createMemoryStorage({ clock, pools: simulatedPools() });
    const inner = createMemoryDedupeBuffer();
    const seen: (AddOptions | undefined)[] = [];
    const buffer: DedupeBuffer = { ...inner, add: (reports, now, policy, options) => (seen.push(options), inner.add(reports, now, policy, options)) };
    const queue = createMemoryIngestQueue({ clock });
    const sef = createSef({ clock, storage, cloud: createSimulatedCloud({ clock }), buffer, queue, reclaimAfter: 30_000 });
    const a = await sef.registerAgent({ id: 'a1', instanceId: 'i-p', poolId: pool });
    await storage.agents.update('a1', a.version, { replicaInstanceId: 'i-r' });
    await sef.ingest([{ instanceId: 'i-p', poolId: pool, timestamp: T, price: 0.0456 }], { agentId: 'a1' });
    expect(seen).toEqual([{ firstDelivery: true }]);
    // A consumer that died after taking an entry: another SEF takes it over once it has been idle 30 s.
    await queue.enqueue([{ agentId: 'a1', instanceId: 'i-r', poolId: pool, timestamp: T, price: 0.0458, role: 'replica' }]);
    expect(await queue.claim('dead', { max: 1, minIdleMs: 30_000 })).toHaveLength(1);
    await clock.advance(30_000);
    await sef.flush();
    expect(seen).toEqual([{ firstDelivery: true }, { firstDelivery: false }]);
    expect((await storage.prices.timeline(series, T - 60, T + 60)).map((p) => p.flag)).toEqual(['verified_dual_source']);
  });
});
