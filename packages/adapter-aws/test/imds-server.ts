import { startLoopbackServer, type Recorded, type Reply } from './loopback-server.js';

/** What the fake IMDS serves; `null` is a 404 (no notice). */
export interface ImdsState {
  instanceAction: (() => string) | null;
  rebalance: (() => string) | null;
  /** Tokens that answer 401 (expired) on a GET. */
  expired: Set<string>;
}

/** A local IMDSv2: PUT /latest/api/token issues tokens; GETs without a valid token get 401. */
export async function startImdsServer(state: ImdsState, port = 0) {
  let issued = 0;
  const tokens = new Set<string>();
  const reply = (r: Recorded): Reply => {
    if (r.method === 'PUT' && r.url === '/latest/api/token') {
      if (!r.headers['x-aws-ec2-metadata-token-ttl-seconds']) return { status: 400 };
      const token = `token-${++issued}`;
      tokens.add(token);
      return { body: token, headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' } };
    }
    const token = String(r.headers['x-aws-ec2-metadata-token'] ?? '');
    if (r.method !== 'GET') return { status: 405 };
    if (!tokens.has(token) || state.expired.has(token)) return { status: 401 };
    const json = (f: (() => string) | null): Reply => (f ? { body: f(), headers: { 'content-type': 'text/plain' } } : { status: 404, body: 'Not Found' });
    switch (r.url) {
      case '/latest/meta-data/instance-id': return { body: 'i-1234567890abcdef0' };
      case '/latest/meta-data/spot/instance-action': return json(state.instanceAction);
      case '/latest/meta-data/events/recommendations/rebalance': return json(state.rebalance);
      default: return { status: 404, body: 'Not Found' };
    }
  };
  return startLoopbackServer(reply, port);
}
