import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../src/clock/fake-clock.js';

describe('fake clock', () => {
  it('fires every timer not cancelled once, by due time then creation order, and counts the pending ones (model)', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('timer' as const), ms: fc.integer({ min: -5, max: 50 }) }),
      fc.record({ kind: fc.constant('cancel' as const), which: fc.nat() }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 40 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        const clock = createFakeClock(1000);
        const fired: number[] = [];
        const model: { id: number; at: number; cancelled: boolean; fired: boolean; cancel: () => void }[] = [];
        const expected: number[] = [];
        for (const o of ops) {
          if (o.kind === 'timer') {
            const id = model.length;
            const handle = clock.setTimer(o.ms, () => fired.push(id));
            model.push({ id, at: clock.now() + Math.max(0, o.ms), cancelled: false, fired: false, cancel: handle.cancel });
          } else if (o.kind === 'cancel' && model.length > 0) {
            const t = model[o.which % model.length]!;
            t.cancel();
            if (!t.fired) t.cancelled = true;
          } else if (o.kind === 'advance') {
            const to = clock.now() + o.ms;
            const due = model.filter((t) => !t.cancelled && !t.fired && t.at <= to).sort((a, b) => a.at - b.at || a.id - b.id);
            for (const t of due) {
              t.fired = true;
              expected.push(t.id);
            }
            await clock.advance(o.ms);
            expect(clock.now()).toBe(to);
          }
          expect(fired).toEqual(expected);
          expect(clock.pending()).toBe(model.filter((t) => !t.cancelled && !t.fired).length);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('timers due at the same time fire in the order they were set, among many', async () => {
    const clock = createFakeClock(0);
    const seen: number[] = [];
    for (let i = 0; i < 64; i++) clock.setTimer(i % 3 === 0 ? 5 : 10, () => seen.push(i));
    await clock.advance(10);
    const order = [...Array.from({ length: 64 }, (_, i) => i).filter((i) => i % 3 === 0), ...Array.from({ length: 64 }, (_, i) => i).filter((i) => i % 3 !== 0)];
    expect(seen).toEqual(order);
  });

  it('a timer set by a firing timer for the same time fires in the same advance, after it', async () => {
    const clock = createFakeClock(0);
    const seen: string[] = [];
    clock.setTimer(10, () => {
      seen.push('first');
      clock.setTimer(0, () => seen.push('second'));
    });
    clock.setTimer(10, () => seen.push('sibling'));
    await clock.advance(10);
    expect(seen).toEqual(['first', 'sibling', 'second']);
  });
});
