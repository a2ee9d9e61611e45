import type { Clock } from '@sef/core';
import { ProviderError, systemClock } from '@sef/core';

export interface ImdsClientOptions {
  /**
   * Base URL of the instance metadata service; point it at a local IMDS in tests.
   * @default process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT ?? 'http://169.254.169.254'
   */
  readonly endpoint?: string;
  /** Timeout of each request (ms); IMDS answers in about a millisecond when it is there. @default 1000 */
  readonly timeoutMs?: number;
  /** Lifetime asked for each session token (s, 1–21600). @default 21600 */
  readonly tokenTtlSeconds?: number;
  /** Time used to renew a token before it runs out. @default systemClock */
  readonly clock?: Clock;
}

/** IMDSv2 reads: a session token from `PUT /latest/api/token`, then GETs that carry it. */
export interface ImdsClient {
  /** The body at `path` (e.g. `latest/meta-data/instance-id`), or undefined when IMDS answers 404. Throws an {@link ImdsError}. */
  get(path: string, signal?: AbortSignal): Promise<string | undefined>;
}

/** An IMDS request that failed, with the HTTP status when IMDS answered and which request it was. */
export class ImdsError extends ProviderError {
  override readonly name = 'ImdsError';
  constructor(
    message: string,
    /** `token`: the `PUT /latest/api/token`; `metadata`: the GET. */
    readonly request: 'token' | 'metadata',
    /** Undefined when IMDS did not answer (unreachable, timeout). */
    readonly status: number | undefined,
    options: { cause?: unknown; retryable: boolean },
  ) {
    super(message, options);
  }
}

const tokenRefusal: Record<number, string> = {
  403: 'IMDS is turned off for this instance (http-endpoint disabled), or a proxy forbids the request',
  404: 'this endpoint has no IMDSv2 token API (an IMDSv1-only endpoint or a proxy)',
  405: 'this endpoint does not accept PUT: an IMDSv1-only endpoint or a proxy that does not forward the token request',
};

const reason = (error: unknown) => {
  const e = error as { name?: string; cause?: { code?: string; message?: string } } | null;
  if (e?.name === 'TimeoutError') return 'no answer in time';
  return e?.cause?.code ?? e?.cause?.message ?? String(error);
};

/**
 * An IMDSv2 client on `fetch`. Unlike the SDK's `MetadataService`, a refused token request is an error
 * that says so (status and cause) every time, and never switches the client to IMDSv1 for good. A token
 * is reused until a minute before it runs out, and fetched again once when a GET answers 401.
 * @example
 * const imds = createImdsClient({ endpoint: 'http://127.0.0.1:1338' });
 * const instanceId = await imds.get('latest/meta-data/instance-id');
 */
export function createImdsClient(options: ImdsClientOptions = {}): ImdsClient {
  const endpoint = (options.endpoint ?? process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT ?? 'http://169.254.169.254').replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 1000;
  const ttl = options.tokenTtlSeconds ?? 21_600;
  const clock = options.clock ?? systemClock;
  let token: { value: string; renewAt: number } | undefined;

  const send = async (request: 'token' | 'metadata', path: string, init: RequestInit, signal?: AbortSignal) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      return await fetch(`${endpoint}/${path}`, { ...init, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const hint = request === 'token' ? ' (in a container, the instance needs an IMDS hop limit of 2 or more)' : '';
      throw new ImdsError(`IMDS at ${endpoint} did not answer ${request === 'token' ? 'the token request' : `GET /${path}`}: ${reason(error)}${hint}`, request, undefined, { cause: error, retryable: true });
    }
  };

  const fetchToken = async (signal?: AbortSignal) => {
    const res = await send('token', 'latest/api/token', { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': String(ttl) } }, signal);
    const body = await res.text().catch(() => '');
    if (res.status === 200 && body) {
      token = { value: body, renewAt: clock.now() + Math.max(ttl - 60, ttl / 2) * 1000 };
      return body;
    }
    const why = tokenRefusal[res.status];
    throw new ImdsError(
      why ? `IMDS refused the session token (PUT /latest/api/token answered ${res.status}): ${why}; SEF needs IMDSv2` : `IMDS token request failed: PUT /latest/api/token answered ${res.status}`,
      'token', res.status, { retryable: why === undefined },
    );
  };

  const get = async (path: string, value: string, signal?: AbortSignal) =>
    send('metadata', path, { headers: { 'x-aws-ec2-metadata-token': value } }, signal);

  return {
    async get(path, signal) {
      const current = token && clock.now() < token.renewAt ? token.value : await fetchToken(signal);
      let res = await get(path, current, signal);
      if (res.status === 401) {
        token = undefined;
        res = await get(path, await fetchToken(signal), signal);
      }
      const body = await res.text().catch(() => '');
      if (res.status === 200) return body;
      if (res.status === 404) return undefined;
      throw new ImdsError(`IMDS GET /${path} answered ${res.status}`, 'metadata', res.status, { retryable: res.status === 401 || res.status === 429 || res.status >= 500 });
    },
  };
}
