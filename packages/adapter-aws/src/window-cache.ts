import type { Clock } from '@sef/core';

/** One fetch of a key's data over [from, to] (ms), in flight or done. */
interface Fetch<V> {
  readonly from: number;
  readonly to: number;
  readonly startedAt: number;
  readonly value: Promise<V>;
  readonly controller: AbortController;
  settled: boolean;
  waiters: number;
}

/** Reads of a time window of a keyed series (a pool's price history), shared between callers. */
export interface WindowCache<V> {
  /**
   * The data of `key` over [from, to]: from the key's last fetch when that one is in flight or began less
   * than the TTL ago, starts no later than `from` and ends no more than the TTL before `to`; otherwise
   * from a new fetch. `signal` ends this caller's wait only; the shared call is aborted once no caller waits.
   */
  get(key: string, from: number, to: number, fetch: (signal: AbortSignal) => Promise<V>, signal?: AbortSignal): Promise<V>;
}

/**
 * Concurrent reads of the same key share one call (single flight), and a done read answers later ones for
 * `ttl` ms (their data at most that stale). A failed read is forgotten at once: the next read calls again.
 */
export function createWindowCache<V>(clock: Clock, ttl: number): WindowCache<V> {
  const last = new Map<string, Fetch<V>>();

  const covers = (f: Fetch<V>, from: number, to: number) =>
    f.from <= from && to <= f.to + ttl && (!f.settled || clock.now() < f.startedAt + ttl);

  const start = (key: string, from: number, to: number, fetch: (signal: AbortSignal) => Promise<V>): Fetch<V> => {
    const controller = new AbortController();
    const f: Fetch<V> = { from, to, startedAt: clock.now(), value: fetch(controller.signal), controller, settled: false, waiters: 0 };
    f.value.then(
      () => void (f.settled = true),
      () => {
        f.settled = true;
        if (last.get(key) === f) last.delete(key);
      },
    );
    last.set(key, f);
    return f;
  };

  const wait = async (key: string, f: Fetch<V>, signal: AbortSignal | undefined): Promise<V> => {
    f.waiters++;
    let onAbort: (() => void) | undefined;
    try {
      if (!signal) return await f.value;
      return await Promise.race([
        f.value,
        new Promise<never>((_, reject) => {
          onAbort = () => reject(signal.reason);
          signal.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      if (--f.waiters === 0 && !f.settled) {
        // Nobody waits for it any more: the call goes, and the next read starts afresh.
        if (last.get(key) === f) last.delete(key);
        f.controller.abort(signal?.reason);
      }
    }
  };

  return {
    get(key, from, to, fetch, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      const seen = last.get(key);
      const f = seen && covers(seen, from, to) ? seen : start(key, from, to, fetch);
      return wait(key, f, signal);
    },
  };
}
