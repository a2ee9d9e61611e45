import type { Clock, TimerHandle } from '../ports/clock.js';

interface PendingTimer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  /** Cancelled or fired: left in the heap until it reaches the top, never fired (again). */
  done: boolean;
}

const before = (a: PendingTimer, b: PendingTimer) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/**
 * A binary min-heap of timers by (due time, creation order): a simulation keeps thousands of timers
 * pending (leases, boots, deadlines), which a scan per fired timer made quadratic.
 */
class TimerHeap {
  readonly #items: PendingTimer[] = [];

  push(t: PendingTimer): void {
    const items = this.#items;
    items.push(t);
    for (let i = items.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  /** The earliest timer not done, dropping the done ones above it. */
  peek(): PendingTimer | undefined {
    while (this.#items[0]?.done) this.pop();
    return this.#items[0];
  }

  pop(): PendingTimer | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    items[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < items.length && before(items[l]!, items[m]!)) m = l;
      if (r < items.length && before(items[r]!, items[m]!)) m = r;
      if (m === i) break;
      [items[i], items[m]] = [items[m]!, items[i]!];
      i = m;
    }
    return top;
  }
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
  const timers = new TimerHeap();
  let live = 0;

  const add = (ms: number, fn: () => void): PendingTimer => {
    const t = { at: now + Math.max(0, ms), seq: seq++, fn, done: false };
    timers.push(t);
    live++;
    return t;
  };
  const remove = (t: PendingTimer) => {
    if (t.done) return;
    t.done = true;
    live--;
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
        const due = timers.peek();
        if (!due || due.at > at) break;
        timers.pop();
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
    pending: () => live,
  };
  return clock;
}
