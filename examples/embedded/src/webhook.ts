import { DelegateBackoff, ExponentialBackoff, handleWhenResult, retry, timeout, TimeoutStrategy, wrap, type IBackoff, type IRetryBackoffContext } from 'cockatiel';

export interface WebhookOptions {
  readonly url: string;
  /** Attempts in all, the first included. @default 5 */
  readonly attempts?: number;
  /** Scale of the first wait (ms); later waits grow with jitter. @default 200 */
  readonly initialBackoffMs?: number;
  /** Longest wait, also the cap on a receiver's `Retry-After` (ms). @default 30000 */
  readonly maxBackoffMs?: number;
  /** Deadline of each attempt (ms). @default 5000 */
  readonly timeoutMs?: number;
  /** Told about each failed attempt and a final give-up. @default () => {} */
  readonly onFailure?: (error: string, attempt: number, willRetry: boolean) => void;
  /** Told about each wait before a retry (ms). @default () => {} */
  readonly onRetry?: (waitMs: number, attempt: number) => void;
}

type Attempt = { readonly ok: true } | { readonly ok: false; readonly retryable: boolean; readonly retryAfterMs?: number };

/** `Retry-After` in ms: delay-seconds or an HTTP-date (a past date is 0); undefined otherwise. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/**
 * POSTs JSON to a webhook with cockatiel's retry and timeout policies: network errors, timeouts, 429
 * and 5xx are retried after the receiver's `Retry-After` when it sent one (capped), else with
 * exponential backoff and decorrelated jitter. Resolves `true` once delivered, `false` after the last
 * attempt (any other 4xx is not retried).
 * @example
 * const notify = createWebhook({ url: 'https://ops.example.com/hooks/sef' });
 * void notify({ kind: 'notice', agentId });
 */
export function createWebhook(options: WebhookOptions): (payload: unknown) => Promise<boolean> {
  const attempts = options.attempts ?? 5;
  const maxMs = options.maxBackoffMs ?? 30_000;
  const onFailure = options.onFailure ?? (() => {});
  const jitter = new ExponentialBackoff({ initialDelay: options.initialBackoffMs ?? 200, maxDelay: maxMs });
  const backoff = new DelegateBackoff<IRetryBackoffContext<unknown>, IBackoff<unknown> | undefined>((context, step) => {
    const next = step ? step.next(undefined) : jitter.next();
    const failed = 'value' in context.result ? (context.result.value as Attempt) : undefined;
    const asked = failed && !failed.ok ? failed.retryAfterMs : undefined;
    return { delay: asked === undefined ? next.duration : Math.min(maxMs, asked), state: next };
  });
  const retrying = retry(handleWhenResult((r) => !(r as Attempt).ok && (r as { retryable: boolean }).retryable), { maxAttempts: attempts - 1, backoff });
  retrying.onRetry(({ delay, attempt }) => options.onRetry?.(delay, attempt));
  const policy = wrap(retrying, timeout(options.timeoutMs ?? 5000, TimeoutStrategy.Cooperative));

  return async (payload) => {
    const result = await policy.execute(async ({ attempt, signal }): Promise<Attempt> => {
      let error: string;
      let failed: Attempt;
      try {
        const res = await fetch(options.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload), signal });
        await res.arrayBuffer();
        if (res.ok) return { ok: true };
        error = `HTTP ${res.status}`;
        const after = retryAfterMs(res.headers.get('retry-after'));
        failed = { ok: false, retryable: res.status === 429 || res.status >= 500, ...(after !== undefined ? { retryAfterMs: after } : {}) };
      } catch (e) {
        error = signal.aborted ? `no answer within ${options.timeoutMs ?? 5000} ms` : String(e);
        failed = { ok: false, retryable: true };
      }
      onFailure(error, attempt + 1, !failed.ok && failed.retryable && attempt + 1 < attempts);
      return failed;
    });
    return result.ok;
  };
}
