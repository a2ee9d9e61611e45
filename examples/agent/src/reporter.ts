import type { Clock } from '@sef/core';
import type { SefHttp } from './http.js';
import type { Log } from './log.js';
import type { Spool, SpoolEntry } from './spool.js';

export interface ReporterOptions {
  readonly http: SefHttp;
  readonly spool: Spool;
  readonly clock: Clock;
  readonly log: Log;
  /** First wait after SEF was unavailable (ms); doubles up to `maxBackoffMs`. @default 500 */
  readonly initialBackoffMs?: number;
  /** @default 30000 */
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
  /** Resolves when the spool is empty (tests, shutdown). */
  drained(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Delivery rules: 2xx = acknowledged (rejected reports in a 202 are logged with their reasons); 408,
 * 429, 5xx and network errors = spool and retry with exponential backoff; any other 4xx = log the
 * reasons and drop, never retried.
 * @example
 * const reporter = createReporter({ http, spool, clock: systemClock, log });
 * await reporter.send({ path: `/api/agents/${id}/pricing`, body: { reports } });
 */
export function createReporter(options: ReporterOptions): Reporter {
  const { http, spool, clock, log } = options;
  const initial = options.initialBackoffMs ?? 500;
  const max = options.maxBackoffMs ?? 30_000;
  const abort = new AbortController();
  let draining: Promise<void> | undefined;
  let waiters: (() => void)[] = [];

  /** True when the entry is done with (acknowledged or dropped). */
  const attempt = async (entry: SpoolEntry): Promise<boolean> => {
    const d = await http.request('POST', entry.path, entry.body);
    if (d.kind === 'acknowledged') {
      const rejected = (d.body as { rejected?: { index: number; errors: unknown }[] } | undefined)?.rejected ?? [];
      for (const r of rejected) log.warn('SEF rejected a report; dropped', { path: entry.path, index: r.index, errors: r.errors, report: (entry.body as { reports?: unknown[] }).reports?.[r.index] });
      // A notice is acknowledged at once (202) with its id; a duplicate (SEF had it already) is delivered too.
      const notice = d.body as { notice_id?: string; duplicate?: boolean } | undefined;
      if (notice?.notice_id !== undefined) log.info('SEF acknowledged the notice', { path: entry.path, noticeId: notice.notice_id, duplicate: notice.duplicate === true });
      return true;
    }
    if (d.kind === 'refused') {
      log.error('SEF refused the request; dropped, not retried', { path: entry.path, status: d.status, reasons: d.body, body: entry.body });
      return true;
    }
    log.warn('SEF unavailable; kept in the spool', { path: entry.path, reason: d.reason });
    return false;
  };

  const drain = async () => {
    let backoff = initial;
    while (!abort.signal.aborted) {
      const head = spool.peek();
      if (!head) break;
      if (await attempt(head)) {
        await spool.shift();
        backoff = initial;
        continue;
      }
      try {
        await clock.sleep(backoff, abort.signal);
      } catch {
        break;
      }
      backoff = Math.min(max, backoff * 2);
    }
    draining = undefined;
    if (spool.size === 0) {
      for (const w of waiters) w();
      waiters = [];
    }
  };
  const kick = () => {
    draining ??= drain();
  };
  if (spool.size > 0) kick();

  return {
    async send(entry, opts = {}) {
      if (opts.urgent || (spool.size === 0 && !draining)) {
        if (await attempt(entry)) return;
      }
      await spool.append(entry);
      kick();
    },
    backlog: () => spool.size,
    drained() {
      return spool.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve));
    },
    async stop() {
      abort.abort();
      await draining;
      await spool.close();
    },
  };
}
