import type { Clock, TimerHandle } from '../ports/clock.js';

interface PendingTimer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/** A clock whose time moves only when a test says so. */
export interface FakeClock extends Clock {
  /** Moves time forward by `ms`, firing due timers in order; awaits microtasks between them. */
  advance(ms: number): Promise<void>;
  /** Moves time to `at` (ms) if it is later than now. */
  advanceTo(at: number): Promise<void>;
  /** Number of timers (and sleeps) waiting. */
  pending(): number;
}

/**
 * A fake {@link Clock} for tests. Timers fire during `advance`, in due order; between two timers the
 * microtask queue is drained so that code awaiting a sleep runs before the next timer.
 * @example
 * const clock = createFakeClock(Date.UTC(2026, 0, 1));
 * const done = clock.sleep(1000);
 * await clock.advance(1000); // `done` resolves
 */
export function createFakeClock(start = 0): FakeClock {
  let now = start;
  let seq = 0;
  let timers: PendingTimer[] = [];

  const add = (ms: number, fn: () => void): PendingTimer => {
    const t = { at: now + Math.max(0, ms), seq: seq++, fn };
    timers.push(t);
    return t;
  };
  const remove = (t: PendingTimer) => {
    timers = timers.filter((x) => x !== t);
  };
  const flushMicrotasks = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
    await new Promise<void>((resolve) => setImmediate(resolve));
  };

  const clock: FakeClock = {
    now: () => now,
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const t = add(ms, () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
        const onAbort = () => {
          remove(t);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    setTimer(ms, fn): TimerHandle {
      const t = add(ms, fn);
      return { cancel: () => remove(t) };
    },
    async advanceTo(at) {
      await flushMicrotasks();
      for (;;) {
        const due = timers.filter((t) => t.at <= at).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
        if (!due) break;
        remove(due);
        now = Math.max(now, due.at);
        due.fn();
        await flushMicrotasks();
      }
      now = Math.max(now, at);
      await flushMicrotasks();
    },
    advance(ms) {
      return clock.advanceTo(now + ms);
    },
    pending: () => timers.length,
  };
  return clock;
}
