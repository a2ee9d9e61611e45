/** A JSON answer: status and parsed body (the text when it is not JSON). */
export interface Answer<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly text: string;
}

/** Admin or agent requests to one server process over real HTTP (loopback). */
export interface ApiClient {
  readonly url: string;
  get<T = unknown>(path: string, token?: string): Promise<Answer<T>>;
  post<T = unknown>(path: string, payload?: object, token?: string): Promise<Answer<T>>;
}

/** A client of the server at `url`; requests carry `adminToken` unless another token is given. */
export function apiClient(url: string, adminToken: string, timeoutMs = 10_000): ApiClient {
  const call = async <T>(method: string, path: string, payload: object | undefined, token: string): Promise<Answer<T>> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) },
      ...(payload ? { body: JSON.stringify(payload) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: body as T, text };
  };
  return {
    url,
    get: (path, token = adminToken) => call('GET', path, undefined, token),
    post: (path, payload, token = adminToken) => call('POST', path, payload, token),
  };
}

/** Polls `probe` until it returns a value (not undefined), at most `timeoutMs`; the last probe's error or `what` on timeout. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > end) throw new Error(`${what}: not reached within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
