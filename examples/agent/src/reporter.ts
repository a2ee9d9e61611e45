import type { Clock } from '@sef/core';
import { createBackoff } from './backoff.js';
import type { Delivery, SefHttp } from './http.js';
import type { Log } from './log.js';
import type { Spool, SpoolEntry } from './spool.js';

export interface ReporterOptions {
  readonly http: SefHttp;
  readonly spool: Spool;
  readonly clock: Clock;
  readonly log: Log;
  /** Scale of the first wait after SEF was unavailable (ms); waits grow with jitter up to `maxBackoffMs`. @default 500 */
  readonly initialBackoffMs?: number;
  /** Longest wait, also the cap on SEF's `Retry-After` (ms). @default 30000 */
  readonly maxBackoffMs?: number;
}

/** Delivers reports to SEF exactly in order, through the spool whenever SEF is not answering. */
export interface Reporter {
  /**
   * Delivers `entry`. Resolves once SEF acknowledged it, refused it (logged and dropped), or it is on
   * disk in the spool. `urgent` entries (interruption notices) are tried at once even with a backlog.
   */
  send(entry: SpoolEntry, options?: { urgent?: boolean }): Promise<void>;
  /** Number of entries waiting in the spool. */
  backlog(): number;
  /** Resolves when the spool is empty and no drain is running any more (its outcome logged). */
  drained(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Delivery rules: 2xx = acknowledged (rejected reports in a 202 are logged with their reasons); 408,
 * 429, 5xx and network errors = spool and retry after SEF's `Retry-After` when it sent one, else with
 * jittered exponential backoff ({@link createBackoff}); any other 4xx = log the reasons and drop, never retried.
 * @example
 * const reporter = createReporter({ http, spool, clock: systemClock, log });
 * await reporter.send({ path: `/api/agents/${id}/pricing`, body: { reports } });
 */
export function createReporter(options: ReporterOptions): Reporter {
  const { http, spool, clock, log } = options;
  const backoff = createBackoff({ initialMs: options.initialBackoffMs ?? 500, maxMs: options.maxBackoffMs ?? 30_000 });
  const abort = new AbortController();
  let draining: Promise<void> | undefined;
  let waiters: (() => void)[] = [];

  /** Undefined when the entry is done with (acknowledged or dropped); else why SEF was unavailable. */
  const attempt = async (entry: SpoolEntry): Promise<Extract<Delivery, { kind: 'unavailable' }> | undefined> => {
    const d = await http.request('POST', entry.path, entry.body);
    if (d.kind === 'acknowledged') {
      const answer = d.body as { accepted?: number; rejected?: { index: number; errors: unknown }[] } | undefined;
      const rejected = answer?.rejected ?? [];
      if (answer?.accepted !== undefined) log.info(`SEF accepted ${answer.accepted} report(s), rejected ${rejected.length}`, { path: entry.path, accepted: answer.accepted, rejected: rejected.length });
      for (const r of rejected) log.warn('SEF rejected a report; dropped', { path: entry.path, index: r.index, errors: r.errors, report: (entry.body as { reports?: unknown[] }).reports?.[r.index] });
      // A notice is acknowledged at once (202) with its id; a duplicate (SEF had it already) is delivered too.
      const notice = d.body as { notice_id?: string; duplicate?: boolean } | undefined;
      if (notice?.notice_id !== undefined) log.info('SEF acknowledged the notice', { path: entry.path, noticeId: notice.notice_id, duplicate: notice.duplicate === true });
      return undefined;
    }
    if (d.kind === 'refused') {
      log.error('SEF refused the request; dropped, not retried', { path: entry.path, status: d.status, reasons: d.body, body: entry.body });
      return undefined;
    }
    log.warn('SEF unavailable; kept in the spool', { path: entry.path, reason: d.reason, ...(d.retryAfterMs !== undefined ? { retryAfterMs: d.retryAfterMs } : {}) });
    return d;
  };

  const drain = async (firstWait?: Extract<Delivery, { kind: 'unavailable' }>) => {
    let unavailable = firstWait;
    let delivered = 0;
    while (!abort.signal.aborted) {
      if (unavailable) {
        try {
          await clock.sleep(backoff.next(unavailable.retryAfterMs), abort.signal);
        } catch {
          break;
        }
      }
      const head = spool.peek();
      if (!head) break;
      unavailable = await attempt(head);
      if (!unavailable) {
        delivered++;
        await spool.shift();
        backoff.reset();
      }
    }
    draining = undefined;
    if (delivered > 0) log.info(`delivered ${delivered} spooled request(s) to SEF`, { delivered, left: spool.size });
    if (spool.size === 0) {
      for (const w of waiters) w();
      waiters = [];
    }
  };
  const kick = (firstWait?: Extract<Delivery, { kind: 'unavailable' }>) => {
    draining ??= drain(firstWait);
  };
  if (spool.size > 0) kick();

  return {
    async send(entry, opts = {}) {
      let unavailable: Extract<Delivery, { kind: 'unavailable' }> | undefined;
      if (opts.urgent || (spool.size === 0 && !draining)) {
        unavailable = await attempt(entry);
        if (!unavailable) return;
      }
      await spool.append(entry);
      kick(unavailable); // SEF just said it is unavailable: wait (its Retry-After, or the backoff) before trying again
    },
    backlog: () => spool.size,
    drained() {
      // Not while a drain still runs: its last shift empties the queue before its disk write and its log line.
      return spool.size === 0 && !draining ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve));
    },
    async stop() {
      abort.abort();
      await draining;
      await spool.close();
    },
  };
}
