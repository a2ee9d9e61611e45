import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the local IMDSv2 serves; `null` = 404 (no notice). */
export interface ImdsState {
  instanceAction: string | null;
  rebalance: string | null;
}

/** A local IMDSv2: `PUT /latest/api/token`, then GETs with the token (401 without). */
export async function startImds(state: ImdsState, instanceId: string) {
  const tokens = new Set<string>();
  let gets = 0;
  const server = createServer((req, res) => {
    if (req.method === 'PUT' && req.url === '/latest/api/token') {
      const token = `t-${tokens.size + 1}`;
      tokens.add(token);
      res.writeHead(200, { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' }).end(token);
      return;
    }
    if (!tokens.has(String(req.headers['x-aws-ec2-metadata-token'] ?? ''))) return void res.writeHead(401).end();
    gets++;
    const body =
      req.url === '/latest/meta-data/instance-id' ? instanceId
      : req.url === '/latest/meta-data/spot/instance-action' ? state.instanceAction
      : req.url === '/latest/meta-data/events/recommendations/rebalance' ? state.rebalance
      : null;
    if (body === null) res.writeHead(404).end('Not Found');
    else res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    gets: () => gets,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
