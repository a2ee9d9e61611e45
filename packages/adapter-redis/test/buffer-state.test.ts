import fc from 'fast-check';
import type { SourceReport } from '@sef/core';
import { bufferTestPolicy as policy, sortedReports } from '@sef/core/testing';
import { describe, expect, it } from 'vitest';
import { encodeEntry } from '../src/buffer/ops.js';
import { BufferState } from '../src/buffer/state.js';

const reportArb = fc.record({
  agentId: fc.constantFrom('a1', 'a2'),
  instanceId: fc.constantFrom('i-1', 'i-2', 'i-"3"'),
  poolId: fc.constantFrom('p', 'q', 'r'),
  timestamp: fc.integer({ min: 0, max: 12 }).map((k) => 1000 + k * 10),
  price: fc.constantFrom(0.04, 0.05),
  role: fc.constantFrom('primary' as const, 'replica' as const),
});
/** A call: an add of some reports (first delivery or not), or a sweep, after some time. */
const callArb = fc.record({
  reports: fc.array(reportArb, { maxLength: 5 }),
  sweep: fc.boolean(),
  lookup: fc.boolean(),
  advanceMs: fc.constantFrom(0, 10_000, policy.windowMs),
});
type Call = typeof callArb extends fc.Arbitrary<infer T> ? T : never;

/** Decides `calls` as one log entry `seq` (as the adapter does), committed; returns the entry and the releases. */
function decide(state: BufferState, calls: readonly Call[], start: number, seq: number) {
  const ops: string[] = [];
  const out: SourceReport[] = [];
  let now = start;
  state.begin();
  for (const call of calls) {
    now += call.advanceMs;
    ops.push(String(now));
    if (call.sweep) state.decideSweep(now, policy, 1000, seq, ops, out);
    else {
      state.nextCall();
      for (const r of call.reports) state.decideAdd(r, now, policy, call.lookup, seq, ops, out);
    }
  }
  return { entry: encodeEntry(ops), out, now };
}

/**
 * What a state holds and releases from here on (sorted: the order of series may differ): every waiting
 * report as it is, then what a probe of reports of the test's space and a sweep of everything release.
 */
function future(state: BufferState, now: number): SourceReport[] {
  // Every waiting report exactly as held (prices and instances too), before a probe could overwrite one.
  const waiting: SourceReport[] = [];
  state.begin();
  state.decideSweep(now + 10 * policy.windowMs, policy, 1e6, 1e9, [], waiting);
  state.rollback();
  const out: SourceReport[] = [];
  const probe = fc.sample(fc.array(reportArb, { minLength: 20, maxLength: 20 }), { numRuns: 1, seed: 7 })[0]!;
  state.begin();
  state.nextCall();
  for (const r of probe) state.decideAdd(r, now, policy, true, 1e9, [], out);
  state.decideSweep(now + 10 * policy.windowMs, policy, 1e6, 1e9, [], out);
  state.rollback();
  return [...sortedReports(waiting), ...sortedReports(out)];
}

describe('BufferState', () => {
  it('is rebuilt exactly by replaying the log entries its decisions wrote (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(callArb, { minLength: 1, maxLength: 4 }), { maxLength: 8 }), (entries) => {
        const decider = new BufferState();
        const replica = new BufferState();
        let now = 1_764_000_000_000;
        entries.forEach((calls, i) => {
          const decided = decide(decider, calls, now, i + 1);
          decider.commit();
          now = decided.now;
          replica.applyEntry(decided.entry, i + 1);
        });
        expect(replica.count).toBe(decider.count);
        expect(future(replica, now)).toEqual(future(decider, now));
      }),
    );
  });

  it('is left exactly as it was by rolling back decisions Redis did not take (property)', () => {
    fc.assert(
      fc.property(fc.array(callArb, { maxLength: 6 }), fc.array(callArb, { minLength: 1, maxLength: 6 }), (before, rejected) => {
        const state = new BufferState();
        const untouched = new BufferState();
        const start = 1_764_000_000_000;
        const { now } = decide(state, before, start, 1);
        state.commit();
        decide(untouched, before, start, 1);
        untouched.commit();
        decide(state, rejected, now, 2);
        state.rollback();
        expect(state.count).toBe(untouched.count);
        expect(future(state, now)).toEqual(future(untouched, now));
      }),
      { numRuns: 1000 },
    );
  });
});
