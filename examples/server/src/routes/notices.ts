import { NotFoundError, type InterruptionEventRecord, type StepRecord } from '@sef/core';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { noticeParams, agentParams } from '../http/schemas.js';
import { guard, requireAgent, sec, type RouteContext } from './context.js';

const stepView = (s: StepRecord) => ({
  name: s.name,
  started_at: sec(s.startedAt),
  finished_at: sec(s.finishedAt),
  duration_ms: s.finishedAt === null ? null : s.finishedAt - s.startedAt,
  state: s.ok === null ? 'running' : s.ok ? 'ok' : 'failed',
  detail: s.detail ?? null,
});

/** A notice and its response so far, as the API shows it (unix seconds; the steps without their internal results). */
export const noticeView = (n: InterruptionEventRecord) => ({
  id: n.id,
  agent_id: n.agentId,
  instance_id: n.instanceId,
  instance_role: n.instanceRole,
  signal_type: n.signalType,
  pool_id: n.poolId,
  status: n.success === null ? 'open' : n.success ? 'succeeded' : 'failed',
  notice_time: sec(n.noticeTime),
  action_time: sec(n.actionTime),
  detected_at: sec(n.detectedAt),
  deadline: sec(n.deadline),
  response_time_ms: n.responseTimeMs,
  success: n.success,
  outcome: n.outcome,
  steps: n.steps.map(stepView),
});

/** An agent's notices: each one's progress (steps, outcome, deadline), and the latest ones. */
export function noticeRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { events } = ctx.sef.storage;

  r.get('/api/agents/:id/notices', { onRequest: guard(ctx, 'agent-or-admin', { rateLimited: true }), schema: { params: agentParams } }, async (request) => {
    const agent = await requireAgent(ctx, request.params.id);
    return { agent_id: agent.id, notices: (await events.listSignals({ since: 0, agentId: agent.id, limit: 50 })).map(noticeView) };
  });

  r.get('/api/agents/:id/notices/:noticeId', { onRequest: guard(ctx, 'agent-or-admin', { rateLimited: true }), schema: { params: noticeParams } }, async (request) => {
    const agent = await requireAgent(ctx, request.params.id);
    const notice = await events.getSignal(request.params.noticeId);
    // Another agent's notice is as unknown as one that does not exist.
    if (!notice || notice.agentId !== agent.id) throw new NotFoundError(`Agent ${agent.id} has no notice ${request.params.noticeId}`);
    return noticeView(notice);
  });
}
