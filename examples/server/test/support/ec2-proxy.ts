import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An EC2 answer kept for a `ClientToken`. */
interface Kept {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** What EC2 answers a token repeated with other parameters. */
const mismatch = (token: string): Kept => ({
  status: 400,
  contentType: 'text/xml;charset=UTF-8',
  body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>IdempotentParameterMismatch</Code><Message>Arguments on this idempotent request are inconsistent with arguments used in previous request(s) (token ${token}).</Message></Error></Errors><RequestID>proxy</RequestID></Response>`,
});

/**
 * A loopback proxy in front of moto's EC2 that adds what the chaos tests need and moto lacks:
 * - **ClientToken idempotency** as EC2 documents it: a RunInstances repeated with a token that succeeded
 *   before answers the first call's response (the same instance) instead of launching again; concurrent
 *   repeats wait for the first; a repeat with other parameters (another pool) is refused with
 *   `IdempotentParameterMismatch`. A failed call binds nothing. moto stores the token but launches again.
 * - **Latency**: every call waits `latencyMs` before it is forwarded, so that a failover takes long
 *   enough (about a second) to be interrupted in the middle, as on EC2 where each call takes 100s of ms.
 * `launches` lists the RunInstances calls moto really served (token, first instance id).
 */
export interface Ec2Proxy {
  readonly endpoint: string;
  readonly launches: readonly { readonly token: string | null; readonly instanceId: string | undefined }[];
  /** RunInstances answered from a kept token instead of launching again. */
  readonly repeats: number;
  /** RunInstances refused as a token repeated with other parameters. */
  readonly mismatches: number;
  /** Calls forwarded, by EC2 action. */
  readonly calls: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

/** Starts the proxy on a free loopback port, forwarding to `target` (moto's endpoint). */
export async function startEc2Proxy(target: string, options: { latencyMs?: number } = {}): Promise<Ec2Proxy> {
  const latency = options.latencyMs ?? 0;
  const kept = new Map<string, { params: string; answer: Promise<Kept> }>();
  const launches: { token: string | null; instanceId: string | undefined }[] = [];
  let repeats = 0;
  let mismatches = 0;
  const calls = new Map<string, number>();

  const forward = async (req: IncomingMessage, body: string): Promise<Kept> => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v;
    const res = await fetch(`${target}${req.url ?? '/'}`, { method: req.method ?? 'POST', headers, ...(req.method === 'GET' ? {} : { body }) });
    return { status: res.status, contentType: res.headers.get('content-type') ?? 'text/xml', body: await res.text() };
  };

  const answer = async (req: IncomingMessage, body: string): Promise<Kept> => {
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    const params = new URLSearchParams(body);
    const action = params.get('Action') ?? '?';
    calls.set(action, (calls.get(action) ?? 0) + 1);
    if (action !== 'RunInstances') return forward(req, body);
    const token = params.get('ClientToken');
    const earlier = token ? kept.get(token) : undefined;
    if (earlier) {
      const first = await earlier.answer.catch(() => undefined);
      if (first?.status === 200) {
        if (earlier.params !== body) {
          mismatches++;
          return mismatch(token!);
        }
        repeats++;
        return first;
      }
    }
    const run = forward(req, body);
    if (token) kept.set(token, { params: body, answer: run });
    const out = await run;
    if (out.status === 200) launches.push({ token, instanceId: /<instanceId>([^<]+)<\/instanceId>/.exec(out.body)?.[1] });
    return out;
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    readBody(req)
      .then((body) => answer(req, body))
      .then(
        (a) => res.writeHead(a.status, { 'content-type': a.contentType }).end(a.body),
        (error: unknown) => res.writeHead(502, { 'content-type': 'text/plain' }).end(String(error)),
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    launches,
    calls,
    get repeats() {
      return repeats;
    },
    get mismatches() {
      return mismatches;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
