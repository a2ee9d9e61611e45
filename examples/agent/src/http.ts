import { parseRetryAfter } from './retry-after.js';

/** How one delivery attempt ended. */
export type Delivery =
  | { readonly kind: 'acknowledged'; readonly status: number; readonly body: unknown }
  /** 4xx other than 408/429: the request itself is wrong; retrying would fail the same way. */
  | { readonly kind: 'refused'; readonly status: number; readonly body: unknown }
  /** Unreachable, timeout, 408, 429, 5xx: try again later; `retryAfterMs` when SEF said when (`Retry-After`). */
  | { readonly kind: 'unavailable'; readonly reason: string; readonly retryAfterMs?: number };

export interface SefHttpOptions {
  /** Base URL of the SEF service, e.g. `http://sef.internal:5000`. */
  readonly url: string;
  /** Agent (or admin) bearer token. */
  readonly token: string;
  /** Per-request timeout (ms). @default 10000 */
  readonly timeoutMs?: number;
}

/** Calls to the SEF API with the agent's token, classified for the retry policy. */
export interface SefHttp {
  request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Delivery>;
}

/**
 * @example
 * const http = createSefHttp({ url: 'http://127.0.0.1:5000', token });
 * const d = await http.request('POST', '/api/agents/a1/heartbeat', { instanceId, state: 'ready' });
 */
export function createSefHttp(options: SefHttpOptions): SefHttp {
  const base = options.url.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    async request(method, path, body) {
      let response: Response;
      try {
        response = await fetch(base + path, {
          method,
          headers: { authorization: `Bearer ${options.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        return { kind: 'unavailable', reason: (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : String(error) };
      }
      const text = await response.text().catch(() => '');
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text for the log
      }
      const status = response.status;
      if (status >= 200 && status < 300) return { kind: 'acknowledged', status, body: parsed };
      if (status === 408 || status === 429 || status >= 500) {
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
        return { kind: 'unavailable', reason: `HTTP ${status}`, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
      }
      return { kind: 'refused', status, body: parsed };
    },
  };
}
