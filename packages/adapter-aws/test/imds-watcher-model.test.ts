import type { InstanceAction, InterruptionSignal } from '@sef/core';
import { createFakeClock, type FakeClock } from '@sef/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createImdsSignalSource, type ImdsClient } from '../src/index.js';

// Model-based: random sequences of notices appearing, changing, disappearing, IMDS outages and failing
// handlers; after every poll the emitted signals must be exactly those of a simple model.

const poll = 5000;
const start = Date.UTC(2026, 0, 1, 12);

interface Served {
  action: { action: InstanceAction; time: number } | null;
  rebalance: number | null;
  down: boolean;
}

/** An IMDS client answering from `served` (no HTTP: the fake clock drives polls). */
class FakeImds implements ImdsClient {
  constructor(private readonly served: Served) {}
  async get(path: string): Promise<string | undefined> {
    if (this.served.down) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    if (path.endsWith('spot/instance-action')) {
      return this.served.action ? JSON.stringify({ action: this.served.action.action, time: new Date(this.served.action.time).toISOString() }) : undefined;
    }
    if (path.endsWith('rebalance')) return this.served.rebalance === null ? undefined : JSON.stringify({ noticeTime: new Date(this.served.rebalance).toISOString() });
    return undefined;
  }
}

interface Model {
  now: number;
  failNext: number;
  current: Partial<Record<InterruptionSignal['type'], { signal: InterruptionSignal; delivered: boolean }>>;
  expected: InterruptionSignal[];
}
interface Real {
  served: Served;
  clock: FakeClock;
  emitted: InterruptionSignal[];
  failNext: { n: number };
}

const base = { instanceId: 'i-1', agentId: 'agent-1', source: 'imds' as const };

function modelPoll(m: Model, served: Served) {
  if (served.down) return;
  const kinds = [
    ['termination-notice', served.action] as const,
    ['rebalance-recommendation', served.rebalance] as const,
  ];
  for (const [type, body] of kinds) {
    if (body === null) {
      delete m.current[type];
      continue;
    }
    let notice = m.current[type];
    if (!notice) {
      const signal: InterruptionSignal = typeof body === 'number'
        ? { type, ...base, noticeTime: body }
        : { type, ...base, noticeTime: Math.min(m.now, body.time - (body.action === 'hibernate' ? 0 : 120_000)), actionTime: body.time, action: body.action };
      notice = { signal, delivered: false };
      m.current[type] = notice;
    }
    if (notice.delivered) continue;
    if (m.failNext > 0) {
      m.failNext--;
      continue;
    }
    notice.delivered = true;
    m.expected.push(notice.signal);
  }
}

const setCommand = (name: string, apply: (s: Served) => void): fc.AsyncCommand<Model, Real> => ({
  check: () => true,
  run: async (_m, r) => apply(r.served),
  toString: () => name,
});

const commands = [
  fc.integer({ min: -600, max: 600 }).map((s) => setCommand(`rebalance(${s})`, (x) => void (x.rebalance = start + s * 1000))),
  fc.constant(setCommand('rebalance gone', (x) => void (x.rebalance = null))),
  fc.tuple(fc.constantFrom<InstanceAction>('terminate', 'stop', 'hibernate'), fc.integer({ min: 0, max: 600 })).map(([action, s]) =>
    setCommand(`action(${action}, +${s})`, (x) => void (x.action = { action, time: start + s * 1000 }))),
  fc.constant(setCommand('action gone', (x) => void (x.action = null))),
  fc.boolean().map((down) => setCommand(down ? 'IMDS down' : 'IMDS up', (x) => void (x.down = down))),
  fc.constant<fc.AsyncCommand<Model, Real>>({
    check: () => true,
    run: async (m, r) => {
      m.failNext++;
      r.failNext.n++;
    },
    toString: () => 'handler fails once',
  }),
  fc.constant<fc.AsyncCommand<Model, Real>>({
    check: () => true,
    run: async (m, r) => {
      m.now += poll;
      modelPoll(m, r.served);
      await r.clock.advance(poll);
      expect(r.emitted).toEqual(m.expected);
    },
    toString: () => 'poll',
  }),
];

describe('IMDS watcher model', () => {
  it('emits every notice exactly once per appearance, whatever the order of notices, outages and failed handlers', async () => {
    await fc.assert(fc.asyncProperty(fc.commands(commands, { maxCommands: 40 }), async (cmds) => {
      const served: Served = { action: null, rebalance: null, down: false };
      const clock = createFakeClock(start);
      const emitted: InterruptionSignal[] = [];
      const failNext = { n: 0 };
      const stop = createImdsSignalSource({ imds: new FakeImds(served), clock, pollInterval: poll, instanceId: 'i-1', agentId: 'agent-1' })
        .start(async (s) => {
          if (failNext.n > 0) {
            failNext.n--;
            throw new Error('not recorded');
          }
          emitted.push(s);
        });
      await clock.advance(0); // the first poll, on start, sees nothing
      const model: Model = { now: start, failNext: 0, current: {}, expected: [] };
      try {
        await fc.asyncModelRun(() => ({ model, real: { served, clock, emitted, failNext } }), cmds);
      } finally {
        const stopped = stop();
        await clock.advance(poll);
        await stopped;
      }
    }), { numRuns: 60 });
  });
});
