import fc from 'fast-check';
import { createMemoryDedupeBuffer, type DedupeBuffer, type SourceReport } from '@sef/core';
import { bufferTestPolicy as policy, sortedReports } from '@sef/core/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisBuffer } from '../src/index.js';
import { connect, dropPrefix, skipRedis, testPrefix } from './redis.js';

/** Three SEF instances on one Redis prefix, and core's in-memory buffer as the model of one buffer. */
interface Real {
  readonly instances: DedupeBuffer[];
  now: number;
}
interface Model {
  readonly buffer: DedupeBuffer;
  /** Every report added so far, for redeliveries. */
  readonly sent: SourceReport[];
  /** Pairs released so far per series, oldest first: the incoming report's key, its twin, when. */
  readonly pairs: Map<string, { role: string; ts: number; twin: SourceReport; pairedAt: number; call: number }[]>;
  call: number;
}

const seriesKey = (r: SourceReport) => `${r.agentId}|${r.poolId}`;
/** The port's redelivery rule, as the buffer documents it: a pair is handed again for one to two windows from its last use. */
const honoured = (pairedAt: number, now: number) => Math.floor(pairedAt / policy.windowMs) >= Math.floor(now / policy.windowMs) - 1;

/**
 * What one add call releases, by the port's rules: the in-memory buffer's pairing, plus the durable buffer's
 * repeat rule: a report that already left with its twin (by its own key, within its windows; on a first
 * delivery only within the same call) is handed that twin again, which (not on a first delivery) re-arms
 * the pair: its windows count from now.
 */
async function expectedAdd(model: Model, reports: readonly SourceReport[], now: number, firstDelivery: boolean): Promise<SourceReport[]> {
  const out: SourceReport[] = [];
  model.call++;
  for (const r of reports) {
    model.sent.push(r);
    const pairs = model.pairs.get(seriesKey(r)) ?? [];
    const again = [...pairs].reverse().find((p, i, all) => {
      const live = all.slice(0, i + 1).every((q) => (firstDelivery ? q.call === model.call : honoured(q.pairedAt, now)));
      return live && p.role === r.role && p.ts === r.timestamp;
    });
    if (again) {
      out.push(again.twin, r);
      if (!firstDelivery && now > again.pairedAt) {
        pairs.splice(pairs.indexOf(again), 1);
        pairs.push({ ...again, pairedAt: now });
      }
      continue;
    }
    // The in-memory buffer pairs; the repeat rule above is the model's own, so no lookup there.
    const released = await model.buffer.add([r], now, policy, { firstDelivery: true });
    if (released.length === 2) {
      pairs.push({ role: r.role, ts: r.timestamp, twin: released[0]!, pairedAt: now, call: model.call });
      model.pairs.set(seriesKey(r), pairs);
    }
    out.push(...released);
  }
  return out;
}

const reportArb = fc.record({
  agentId: fc.constantFrom('a1', 'a2', 'a:3'),
  instanceId: fc.constantFrom('i-1', 'i-2'),
  poolId: fc.constantFrom('us-east-1a:c5.large', 'us-east-1b:m5.large'),
  // Close enough that twins, repeats and ties within the 30 s tolerance are common.
  timestamp: fc.integer({ min: 0, max: 12 }).map((k) => 1000 + k * 10),
  price: fc.constantFrom(0.04, 0.05, 0.06),
  role: fc.constantFrom('primary' as const, 'replica' as const),
});

/** One call's reports, each (series, role, timestamp) once (a repeat within a call is the buffer's own rule, tested apart). */
const batchArb = fc.uniqueArray(reportArb, { minLength: 1, maxLength: 6, selector: (r) => `${r.agentId}|${r.poolId}|${r.role}|${r.timestamp}` });

class Add implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly instance: number,
    readonly reports: SourceReport[],
    readonly advanceMs: number,
    readonly firstDelivery: boolean,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    real.now += this.advanceMs;
    const expected = await expectedAdd(model, this.reports, real.now, this.firstDelivery);
    const got = await real.instances[this.instance]!.add(this.reports, real.now, policy, { firstDelivery: this.firstDelivery });
    expect(sortedReports(got)).toEqual(sortedReports(expected));
    expect(await real.instances[(this.instance + 1) % 3]!.size()).toBe(await model.buffer.size());
  }
  toString = () =>
    `Add(${this.instance}, +${this.advanceMs}, ${this.firstDelivery ? 'first' : 'again'}, ${this.reports.map((r) => `${r.agentId}/${r.role[0]}${r.timestamp}@${r.price}`).join(' ')})`;
}

/** The queue hands out an earlier batch again (a lost acknowledgement or a crash): not a first delivery. */
class Redeliver implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly instance: number,
    readonly picks: number[],
    readonly advanceMs: number,
  ) {}
  check = (model: Readonly<Model>) => model.sent.length > 0;
  async run(model: Model, real: Real): Promise<void> {
    real.now += this.advanceMs;
    const seen = new Set<string>();
    const batch = this.picks
      .map((k) => model.sent[k % model.sent.length]!)
      .filter((r) => !seen.has(`${seriesKey(r)}|${r.role}|${r.timestamp}`) && seen.add(`${seriesKey(r)}|${r.role}|${r.timestamp}`));
    const expected = await expectedAdd(model, batch, real.now, false);
    const got = await real.instances[this.instance]!.add(batch, real.now, policy);
    expect(sortedReports(got)).toEqual(sortedReports(expected));
    expect(await real.instances[this.instance]!.size()).toBe(await model.buffer.size());
  }
  toString = () => `Redeliver(${this.instance}, +${this.advanceMs}, ${this.picks.join(',')})`;
}

class Sweep implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly instance: number,
    readonly advanceMs: number,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    real.now += this.advanceMs;
    const expected = await model.buffer.releaseExpired(real.now, policy);
    const got = await real.instances[this.instance]!.releaseExpired(real.now, policy);
    expect(sortedReports(got)).toEqual(sortedReports(expected));
    expect(await real.instances[this.instance]!.size()).toBe(await model.buffer.size());
  }
  toString = () => `Sweep(${this.instance}, +${this.advanceMs})`;
}

const instanceArb = fc.integer({ min: 0, max: 2 });
const advanceArb = fc.constantFrom(0, 1_000, 100_000, policy.windowMs);
const commands = [
  fc.tuple(instanceArb, batchArb, advanceArb, fc.boolean()).map(([i, b, dt, first]) => new Add(i, b, dt, first)),
  fc.tuple(instanceArb, fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), advanceArb).map(([i, picks, dt]) => new Redeliver(i, picks, dt)),
  fc.tuple(instanceArb, advanceArb).map(([i, dt]) => new Sweep(i, dt)),
];

describe.skipIf(skipRedis)('createRedisBuffer against the in-memory buffer and the redelivery rule (model-based, three instances on one log, first deliveries and redeliveries mixed)', () => {
  let clients: Redis[];
  beforeAll(async () => {
    clients = await Promise.all([connect(), connect(), connect()]);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit()));
  });

  it('releases what the in-memory buffer releases, step by step, whichever instance is called', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 25 }), async (cmds) => {
        const keyPrefix = testPrefix();
        try {
          // Each instance decides on what it has read of the log; switching instances makes it catch up,
          // redo a decision made on a stale state, or rebuild after the log was trimmed past it.
          const real: Real = { instances: clients.map((client) => createRedisBuffer({ client, keyPrefix })), now: 1_764_000_000_000 };
          await fc.asyncModelRun(() => ({ model: { buffer: createMemoryDedupeBuffer(), sent: [], pairs: new Map(), call: 0 }, real }), cmds);
        } finally {
          await dropPrefix(clients[0]!, keyPrefix);
        }
      }),
      { numRuns: 60 },
    );
  });
});
