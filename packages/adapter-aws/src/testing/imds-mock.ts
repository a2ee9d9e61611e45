import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Actions of a spot interruption notice. */
export type ImdsMockAction = 'terminate' | 'stop' | 'hibernate';

/** One request the mock answered. */
export interface ImdsMockRequest {
  readonly method: string;
  readonly path: string;
  /** The `X-aws-ec2-metadata-token` header, if any. */
  readonly token: string | undefined;
  readonly status: number;
  readonly body: string;
  /** When it was answered (ms). */
  readonly at: number;
}

export interface ImdsMockOptions {
  /** Served at `meta-data/instance-id`. @default 'i-1234567890abcdef0' (the mock's, like AWS's docs) */
  readonly instanceId?: string;
  /** Port on 127.0.0.1; a free one by default. */
  readonly port?: number;
}

/**
 * A local IMDSv2 that behaves like AWS's own mock (amazon-ec2-metadata-mock) in IMDSv2-only mode:
 * `PUT /latest/api/token` with a TTL header (1–21600 s, else 400) gives a token; a GET without a valid
 * token gets 401; `spot/instance-action` and `events/recommendations/rebalance` answer 404 until a
 * notice is posted; the instance action's `time` is rewritten on every request (request time + 2 min;
 * `hibernate`: the request time). It can go down and come back on the same port, refuse tokens, and
 * expire the tokens it gave out.
 */
export interface ImdsMock {
  /** `http://127.0.0.1:PORT`: the IMDS client's `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  readonly instanceId: string;
  readonly requests: readonly ImdsMockRequest[];
  /** Posts a spot interruption notice with this action. */
  interrupt(action?: ImdsMockAction): void;
  /** Posts a rebalance recommendation issued at `noticeTime` (ms; default now). */
  recommendRebalance(noticeTime?: number): void;
  /** Serves `body` (or 404 with `null`) at a notice path, for malformed answers. */
  serveRaw(path: 'spot/instance-action' | 'events/recommendations/rebalance', body: string | null): void;
  /** Withdraws both notices (404 again). */
  clear(): void;
  /** Token requests answer `status` (403: IMDS off; 405: an IMDSv1-only endpoint or proxy); `null` issues tokens again. */
  refuseTokens(status: number | null): void;
  /** Every token given out so far answers 401 from now on. */
  expireTokens(): void;
  /** Stops listening (connections are refused) until {@link up}. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Starts a local IMDSv2 (see {@link ImdsMock}) on loopback.
 * @example
 * const imds = await startImdsMock();
 * const source = createImdsSignalSource({ imds: { endpoint: imds.endpoint }, pollInterval: 20 });
 * imds.interrupt('stop');
 */
export async function startImdsMock(options: ImdsMockOptions = {}): Promise<ImdsMock> {
  const instanceId = options.instanceId ?? 'i-1234567890abcdef0';
  const requests: ImdsMockRequest[] = [];
  const valid = new Set<string>();
  let issued = 0;
  let refusal: number | null = null;
  let action: ImdsMockAction | null = null;
  let rebalanceAt: number | null = null;
  const raw = new Map<string, string | null>();

  const notice = (path: string, now: number): string | null => {
    if (raw.has(path)) return raw.get(path) ?? null;
    if (path === 'spot/instance-action') return action && JSON.stringify({ action, time: isoSeconds(action === 'hibernate' ? now : now + 120_000) });
    if (path === 'events/recommendations/rebalance') return rebalanceAt === null ? null : JSON.stringify({ noticeTime: isoSeconds(rebalanceAt) });
    return null;
  };

  const answer = (req: IncomingMessage): { status: number; body: string; headers?: Record<string, string> } => {
    const path = (req.url ?? '').split('?')[0]!;
    if (path === '/latest/api/token') {
      if (req.method !== 'PUT') return { status: 405, body: '' };
      if (refusal !== null) return { status: refusal, body: '' };
      const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21_600) return { status: 400, body: '' };
      const token = `imds-mock-token-${++issued}`;
      valid.add(token);
      return { status: 200, body: token, headers: { 'x-aws-ec2-metadata-token-ttl-seconds': String(ttl) } };
    }
    if (req.method !== 'GET') return { status: 405, body: '' };
    if (!valid.has(String(req.headers['x-aws-ec2-metadata-token'] ?? ''))) return { status: 401, body: '' };
    if (path === '/latest/meta-data/instance-id') return { status: 200, body: instanceId };
    const body = path.startsWith('/latest/meta-data/') ? notice(path.slice('/latest/meta-data/'.length), Date.now()) : null;
    return body === null ? { status: 404, body: 'Not Found' } : { status: 200, body, headers: { 'content-type': 'text/plain' } };
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const a = answer(req);
      const token = req.headers['x-aws-ec2-metadata-token'];
      requests.push({ method: req.method ?? '', path: req.url ?? '', token: typeof token === 'string' ? token : undefined, status: a.status, body: a.body, at: Date.now() });
      res.writeHead(a.status, a.headers ?? {}).end(a.body);
    });
  });
  const listen = (port: number) => new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
  const stopListening = () => new Promise<void>((resolve) => {
    if (!server.listening) return resolve();
    server.closeAllConnections();
    server.close(() => resolve());
  });
  const port = await listen(options.port ?? 0);

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    instanceId,
    requests,
    interrupt(a = 'terminate') {
      action = a;
    },
    recommendRebalance(noticeTime = Date.now()) {
      rebalanceAt = noticeTime;
    },
    serveRaw(path, body) {
      raw.set(path, body);
    },
    clear() {
      action = null;
      rebalanceAt = null;
      raw.clear();
    },
    refuseTokens(status) {
      refusal = status;
    },
    expireTokens() {
      valid.clear();
    },
    down: stopListening,
    async up() {
      if (!server.listening) await listen(port);
    },
    close: stopListening,
  };
}
