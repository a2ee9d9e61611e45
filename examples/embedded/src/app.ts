import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ConflictError, ValidationError, type AgentRecord, type Sef } from '@sef/core';
import type { Reactions } from './react-to-events.js';

/** The app's own wire format for a price sample (not SEF's). */
interface Sample {
  readonly instance: string;
  readonly pool: string;
  /** ISO 8601 */
  readonly at: string;
  readonly usdPerHour: number;
}

const readJson = async (req: IncomingMessage): Promise<unknown> => {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text ? JSON.parse(text) : {};
};
const send = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

export interface AppOptions {
  /**
   * Called with each agent registered through the app. With the simulated cloud, make the agent's running
   * primary known to it (`cloud.compute.addRunning`): it only knows instances it launched. EC2 needs nothing.
   */
  readonly onAgentRegistered?: (agent: AgentRecord) => void;
}

/** A refused request (an agent registered twice, a bad registration) answers 409 / 400, not 500. */
const statusOf = (error: unknown) => (error instanceof ConflictError ? 409 : error instanceof SyntaxError || error instanceof ValidationError ? 400 : 500);

/**
 * An existing backend's HTTP app (plain node:http) with SEF behind three of its routes:
 * - `POST /fleet/agents` `{id, instanceId, poolId}` registers an agent,
 * - `POST /fleet/:agent/prices` `{samples: [{instance, pool, at, usdPerHour}]}` feeds SEF's ingest,
 * - `POST /fleet/:agent/notice` `{instance, kind: 'rebalance' | 'terminate'}` calls the webhook at
 *   once and lets SEF handle the notice.
 * @example
 * createApp(sef, { log, notify }).listen(8080);
 */
export function createApp(sef: Sef, { log, notify }: Reactions, options: AppOptions = {}): Server {
  return createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = statusOf(error);
      if (status === 500) log('request failed', { url: req.url, error: String(error) });
      if (!res.headersSent) send(res, status, { error: error instanceof Error ? error.message : String(error) });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const [, fleet, agent, action] = (req.url ?? '').split('?')[0]!.split('/');
    if (req.method !== 'POST' || fleet !== 'fleet' || agent === undefined) return send(res, 404, { error: 'not found' });
    const body = (await readJson(req)) as Record<string, unknown>;

    if (agent === 'agents' && action === undefined) {
      const { id, instanceId, poolId } = body as { id: string; instanceId: string; poolId: string };
      const agent = await sef.registerAgent({ id, instanceId, poolId });
      options.onAgentRegistered?.(agent);
      return send(res, 201, agent);
    }
    if (action === 'prices') {
      const samples = (body['samples'] ?? []) as Sample[];
      const reports = samples.map((s) => ({ instanceId: s.instance, poolId: s.pool, timestamp: Date.parse(s.at) / 1000, price: s.usdPerHour }));
      const result = await sef.ingest(reports, { agentId: agent });
      return send(res, 202, { accepted: result.accepted, rejected: result.rejected.length });
    }
    if (action === 'notice') {
      const { instance, kind } = body as { instance: string; kind: 'rebalance' | 'terminate' };
      const type = kind === 'terminate' ? 'termination-notice' : 'rebalance-recommendation';
      void notify({ kind: 'notice', agentId: agent, instanceId: instance, type }); // at once, not after the failover
      const handling = await sef.handleSignal({ type, agentId: agent, instanceId: instance, noticeTime: Date.now(), source: 'api' });
      return send(res, 200, { handled: handling });
    }
    return send(res, 404, { error: 'not found' });
  }
}
