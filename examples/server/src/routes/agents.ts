import { ConflictError } from '@sef/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { agentParams, heartbeatBody, interruptionBody, pricingBody, registerBody } from '../http/schemas.js';
import { hashToken, newAgentToken } from '../http/tokens.js';
import { agentView, authenticatedAgent, guard, requireAgent, type RouteContext } from './context.js';
import { noticeView } from './notices.js';

/** One info line per batch: how many reports were accepted and, by reason, how many were rejected. */
function logBatch(request: FastifyRequest, agentId: string, size: number, accepted: number, rejected: readonly { issues: readonly { code: string }[] }[]): void {
  const reasons: Record<string, number> = {};
  for (const r of rejected) for (const code of new Set(r.issues.map((i) => i.code))) reasons[code] = (reasons[code] ?? 0) + 1;
  const why = Object.entries(reasons).map(([code, n]) => `${code} ${n}`).join(', ');
  request.log.info({ agentId, reports: size, accepted, rejected: rejected.length, reasons }, `SEF: batch of ${size} report(s) from agent ${agentId}: ${accepted} accepted, ${rejected.length} rejected${why ? ` (${why})` : ''}`);
}

/** Registration, listing, and what agents send: prices, replica heartbeats, interruption signals. */
export function agentRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/api/agents', { onRequest: guard(ctx, 'admin'), schema: { body: registerBody } }, async (request, reply) => {
    const { id, instanceId, poolId, region } = request.body;
    const created = await ctx.sef.registerAgent(region === undefined ? { id, instanceId, poolId } : { id, instanceId, poolId, region });
    await ctx.onAgentRegistered?.(created);
    const token = newAgentToken(id);
    const agent = await setTokenHash(ctx, created.id, hashToken(token));
    return reply.code(201).send({ agent: agentView(agent), token });
  });

  r.get('/api/agents', { onRequest: guard(ctx, 'admin') }, async () => {
    const agents = await ctx.sef.storage.agents.list();
    const replicas = await Promise.all(agents.map((a) => ctx.sef.storage.replicas.listByAgent(a.id)));
    return {
      agents: agents.map((a, i) => {
        const current = [...(replicas[i] ?? [])].reverse().find((x) => x.status === 'launching' || x.status === 'syncing' || x.status === 'ready');
        return { ...agentView(a), replica_status: current?.status ?? null };
      }),
    };
  });

  r.post('/api/agents/:id/pricing', { onRequest: guard(ctx, 'agent', { rateLimited: true }), schema: { params: agentParams, body: pricingBody } }, async (request, reply) => {
    // 202 once durably queued; the background worker stores (docs/API.md: when a report becomes readable).
    // The agent as authentication just read it: validation takes the roles from it without reading it again.
    const agent = authenticatedAgent(request);
    const result = await ctx.sef.ingest(request.body.reports, { agentId: request.params.id, wait: 'queued', ...(agent !== undefined ? { agent } : {}) });
    logBatch(request, request.params.id, request.body.reports.length, result.accepted, result.rejected);
    return reply.code(202).send({
      accepted: result.accepted,
      rejected: result.rejected.map((x) => ({ index: x.index, errors: x.issues })),
    });
  });

  r.post('/api/agents/:id/heartbeat', { onRequest: guard(ctx, 'agent', { rateLimited: true }), schema: { params: agentParams, body: heartbeatBody } }, async (request) => {
    await requireAgent(ctx, request.params.id);
    const result = await ctx.sef.replicaHeartbeat(request.params.id, request.body.instanceId, request.body.state);
    return { ok: true, result: result ?? null };
  });

  r.post('/api/agents/:id/interruption', { onRequest: guard(ctx, 'agent-or-admin', { rateLimited: true }), schema: { params: agentParams, body: interruptionBody } }, async (request, reply) => {
    const agent = await requireAgent(ctx, request.params.id, request);
    const b = request.body;
    // Acknowledge, then act: the notice is recorded (one insert for a notice about the primary) and the
    // failover runs in the background.
    const { created, notice } = await ctx.sef.acceptSignal({
      type: b.signal_type,
      agentId: agent.id,
      ...(b.instanceId !== undefined ? { instanceId: b.instanceId } : {}),
      noticeTime: b.notice_time !== undefined ? b.notice_time * 1000 : ctx.now(),
      ...(b.action_time !== undefined ? { actionTime: b.action_time * 1000 } : {}),
      source: 'api',
    }, { agent });
    return reply.code(202).send({ notice_id: notice.id, duplicate: !created, notice: noticeView(notice) });
  });
}

/** Stores the hash of the agent's token (compare-and-set: retried if another write came first). */
async function setTokenHash(ctx: RouteContext, id: string, tokenHash: string) {
  for (let attempt = 0; ; attempt++) {
    const agent = await requireAgent(ctx, id);
    try {
      return await ctx.sef.storage.agents.update(id, agent.version, { tokenHash });
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= 5) throw error;
    }
  }
}
