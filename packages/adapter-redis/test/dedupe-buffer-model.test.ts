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
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    real.now += this.advanceMs;
    const expected = await model.buffer.add(this.reports, real.now, policy, { firstDelivery: true });
    const got = await real.instances[this.instance]!.add(this.reports, real.now, policy, { firstDelivery: true });
    expect(sortedReports(got)).toEqual(sortedReports(expected));
    expect(await real.instances[(this.instance + 1) % 3]!.size()).toBe(await model.buffer.size());
  }
  toString = () => `Add(${this.instance}, +${this.advanceMs}, ${this.reports.map((r) => `${r.agentId}/${r.role[0]}${r.timestamp}@${r.price}`).join(' ')})`;
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
  fc.tuple(instanceArb, batchArb, advanceArb).map(([i, b, dt]) => new Add(i, b, dt)),
  fc.tuple(instanceArb, advanceArb).map(([i, dt]) => new Sweep(i, dt)),
];

describe.skipIf(skipRedis)('createRedisBuffer against the in-memory buffer (model-based, three instances on one log)', () => {
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
          await fc.asyncModelRun(() => ({ model: { buffer: createMemoryDedupeBuffer() }, real }), cmds);
        } finally {
          await dropPrefix(clients[0]!, keyPrefix);
        }
      }),
      { numRuns: 60 },
    );
  });
});
