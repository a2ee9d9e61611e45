import { systemClock, type Clock } from '@sef/core';

export interface WebhookOptions {
  readonly url: string;
  /** Attempts in all, the first included. @default 5 */
  readonly attempts?: number;
  /** Wait before the second attempt (ms); doubles after each failure. @default 200 */
  readonly initialBackoffMs?: number;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Told about each failed attempt and a final give-up. @default () => {} */
  readonly onFailure?: (error: string, attempt: number, willRetry: boolean) => void;
}

/**
 * POSTs JSON to a webhook, retrying on network errors, 429 and 5xx with exponential backoff.
 * Resolves `true` once delivered, `false` after the last attempt (a 4xx is not retried).
 * @example
 * const notify = createWebhook({ url: 'https://ops.example.com/hooks/sef' });
 * void notify({ kind: 'notice', agentId });
 */
export function createWebhook(options: WebhookOptions): (payload: unknown) => Promise<boolean> {
  const attempts = options.attempts ?? 5;
  const clock = options.clock ?? systemClock;
  const onFailure = options.onFailure ?? (() => {});
  return async (payload) => {
    let backoff = options.initialBackoffMs ?? 200;
    for (let attempt = 1; ; attempt++) {
      let error: string;
      let retryable = true;
      try {
        const res = await fetch(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(payload),
          signal: AbortSignal.timeout(5000),
        });
        await res.arrayBuffer();
        if (res.ok) return true;
        error = `HTTP ${res.status}`;
        retryable = res.status === 429 || res.status >= 500;
      } catch (e) {
        error = String(e);
      }
      const willRetry = retryable && attempt < attempts;
      onFailure(error, attempt, willRetry);
      if (!willRetry) return false;
      await clock.sleep(backoff);
      backoff *= 2;
    }
  };
}
