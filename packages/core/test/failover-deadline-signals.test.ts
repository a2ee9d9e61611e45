import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeClock } from '../src/clock/index.js';
import { DeadlineExceededError } from '../src/errors/index.js';
import { abortable, deadlineSignal, timeoutSignal, withTimeout } from '../src/failover/deadline.js';

// The deadline helpers every failover flow runs under, on their own: when they abort, with what, and that
// they leave no timer or listener behind on a long-lived (shared) signal.

const T0 = Date.UTC(2026, 0, 1, 12);
const never = <T>(): Promise<T> => new Promise<T>(() => {});
const reasonOf = (signal: AbortSignal): unknown => signal.reason;

/** Collects the process warnings emitted while a test runs (a listener cap hit is one). */
const warnings: Error[] = [];
const onWarning = (w: Error) => void warnings.push(w);
const listenerWarnings = () => warnings.filter((w) => w.name === 'MaxListenersExceededWarning');
const nextTicks = () => new Promise<void>((resolve) => setImmediate(resolve));
afterEach(() => {
  process.off('warning', onWarning);
  warnings.length = 0;
});

describe('timeoutSignal', () => {
  it('aborts exactly `ms` later with a DeadlineExceededError naming the limit', async () => {
    const clock = createFakeClock(T0);
    const { signal } = timeoutSignal(clock, 500);
    await clock.advance(499);
    expect(signal.aborted).toBe(false);
    await clock.advance(1);
    expect(signal.aborted).toBe(true);
    expect(reasonOf(signal)).toBeInstanceOf(DeadlineExceededError);
    expect((reasonOf(signal) as Error).message).toBe('Deadline of 500 ms exceeded');
  });

  it('a parent already aborted aborts it at once, with the parent reason', () => {
    const clock = createFakeClock(T0);
    const parent = new AbortController();
    const why = new Error('caller gave up');
    parent.abort(why);
    const { signal } = timeoutSignal(clock, 500, parent.signal);
    expect(signal.aborted).toBe(true);
    expect(reasonOf(signal)).toBe(why);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });

  it('a parent aborting later aborts it then, with the parent reason, and the listener goes with it', async () => {
    const clock = createFakeClock(T0);
    const parent = new AbortController();
    const { signal } = timeoutSignal(clock, 500, parent.signal);
    expect(signal.aborted).toBe(false);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(1);
    const why = new Error('caller gave up');
    parent.abort(why);
    expect(signal.aborted).toBe(true);
    expect(reasonOf(signal)).toBe(why);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });

  it('cancel stops both the timer and the parent from aborting it, and leaves nothing pending', async () => {
    const clock = createFakeClock(T0);
    const parent = new AbortController();
    const { signal, cancel } = timeoutSignal(clock, 500, parent.signal);
    cancel();
    expect(clock.pending()).toBe(0);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
    parent.abort(new Error('late'));
    await clock.advance(1_000);
    expect(signal.aborted).toBe(false);
  });

  it('has no listener cap: one flow signal serves many concurrent calls without a MaxListenersExceededWarning', async () => {
    process.on('warning', onWarning);
    const clock = createFakeClock(T0);
    // The warning this guards against, shown on a plain signal so that the check below can fail.
    const plain = new AbortController().signal;
    for (let i = 0; i < 12; i++) plain.addEventListener('abort', () => {});
    await nextTicks();
    expect(listenerWarnings()).toHaveLength(1);
    warnings.length = 0;
    for (const { signal } of [timeoutSignal(clock, 500), deadlineSignal(clock, T0 + 500, 'flow')]) {
      for (let i = 0; i < 12; i++) signal.addEventListener('abort', () => {});
    }
    await nextTicks();
    expect(listenerWarnings()).toEqual([]);
  });
});

describe('withTimeout', () => {
  it('settles with the work and cancels its timer', async () => {
    const clock = createFakeClock(T0);
    await expect(withTimeout(clock, 500, async () => 'done')).resolves.toBe('done');
    expect(clock.pending()).toBe(0);
    const boom = new Error('boom');
    await expect(withTimeout(clock, 500, async () => Promise.reject(boom))).rejects.toBe(boom);
    expect(clock.pending()).toBe(0);
  });

  it('rejects at the limit even when the work ignores its signal, and the work saw the abort', async () => {
    const clock = createFakeClock(T0);
    let seen: AbortSignal | undefined;
    let settledAt: number | undefined;
    const p = withTimeout(clock, 500, (signal) => ((seen = signal), never<string>()));
    const outcome = p.then(
      () => 'resolved',
      (e: unknown) => ((settledAt = clock.now()), e),
    );
    await clock.advance(499);
    expect(settledAt).toBeUndefined();
    await clock.advance(1);
    const error = await outcome;
    expect(settledAt).toBe(T0 + 500);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(seen?.aborted).toBe(true);
  });
});

describe('deadlineSignal', () => {
  it('aborts at the absolute time, with an error naming what and when', async () => {
    const clock = createFakeClock(T0);
    const { signal } = deadlineSignal(clock, T0 + 90_000, 'termination-notice n1');
    await clock.advanceTo(T0 + 89_999);
    expect(signal.aborted).toBe(false);
    await clock.advanceTo(T0 + 90_000);
    expect(signal.aborted).toBe(true);
    expect(reasonOf(signal)).toBeInstanceOf(DeadlineExceededError);
    expect((reasonOf(signal) as Error).message).toBe(`termination-notice n1: deadline ${new Date(T0 + 90_000).toISOString()} passed`);
  });

  it('a deadline that is now or past is aborted already, with no timer', () => {
    const clock = createFakeClock(T0);
    for (const at of [T0, T0 - 1]) {
      const { signal, cancel } = deadlineSignal(clock, at, 'late');
      expect(signal.aborted).toBe(true);
      expect((reasonOf(signal) as Error).message).toBe(`late: deadline ${new Date(at).toISOString()} passed`);
      expect(clock.pending()).toBe(0);
      cancel();
    }
  });

  it('cancel stops the timer', async () => {
    const clock = createFakeClock(T0);
    const { signal, cancel } = deadlineSignal(clock, T0 + 500, 'flow');
    expect(clock.pending()).toBe(1);
    cancel();
    expect(clock.pending()).toBe(0);
    await clock.advance(1_000);
    expect(signal.aborted).toBe(false);
  });
});

describe('abortable', () => {
  it('settles like the promise while the signal is not aborted, and removes its listener', async () => {
    const controller = new AbortController();
    await expect(abortable(Promise.resolve(7), controller.signal)).resolves.toBe(7);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    const boom = new Error('boom');
    await expect(abortable(Promise.reject(boom), controller.signal)).rejects.toBe(boom);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  /** Settles `late` only after abortable rejected (its deadline first), and collects the unhandled rejections that follow. */
  async function lateFailure(abortFirst: boolean): Promise<unknown[]> {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const controller = new AbortController();
      const why = new Error('deadline');
      if (abortFirst) controller.abort(why);
      let fail!: (e: Error) => void;
      const late = new Promise<number>((_, reject) => (fail = reject));
      const p = abortable(late, controller.signal);
      controller.abort(why);
      await expect(p).rejects.toBe(why);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      fail(new Error('late failure'));
      await nextTicks();
      await nextTicks();
      return unhandled;
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  }

  it('rejects with the reason when the signal aborts first; the promise failing later is not an unhandled rejection', async () => {
    expect(await lateFailure(false)).toEqual([]);
  });

  it('an already aborted signal rejects at once, and the promise failing later is not an unhandled rejection', async () => {
    expect(await lateFailure(true)).toEqual([]);
  });
});
