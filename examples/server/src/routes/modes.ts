import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ConflictError, type AgentModes } from '@sef/core';
import { observeManualSwitch } from '../observability/metrics.js';
import { agentParams, emptyBody } from '../http/schemas.js';
import { agentView, guard, requireAgent, type RouteContext } from './context.js';

/** The admin's controls: the mode toggles (409 on the mutual exclusion) and the manual switch. */
export function modeRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const opts = { onRequest: guard(ctx, 'admin'), schema: { params: agentParams, body: emptyBody } };

  const respond = async (id: string, result: unknown) => ({ agent: agentView(await requireAgent(ctx, id)), result: result ?? null });

  r.post('/api/agents/:id/manual-replica/enable', opts, async (request) => {
    await requireAgent(ctx, request.params.id);
    return respond(request.params.id, await ctx.sef.enableManualReplica(request.params.id));
  });
  r.post('/api/agents/:id/manual-replica/disable', opts, async (request) => {
    await requireAgent(ctx, request.params.id);
    return respond(request.params.id, await ctx.sef.disableManualReplica(request.params.id));
  });
  r.post('/api/agents/:id/manual-switch', opts, async (request) => {
    await requireAgent(ctx, request.params.id);
    const started = ctx.now();
    let result;
    try {
      result = await ctx.sef.manualSwitch(request.params.id);
    } catch (error) {
      // A switch refused before it began (no ready standby, not in manual mode) is not a failover.
      if (!(error instanceof ConflictError)) observeManualSwitch(ctx.metrics, (ctx.now() - started) / 1000, false);
      throw error;
    }
    observeManualSwitch(ctx.metrics, (ctx.now() - started) / 1000, true);
    return respond(request.params.id, result);
  });

  const toggles: readonly [string, keyof AgentModes][] = [
    ['auto-switch', 'autoSwitch'],
    ['auto-terminate', 'autoTerminate'],
  ];
  for (const [path, flag] of toggles) {
    for (const on of [true, false]) {
      r.post(`/api/agents/:id/${path}/${on ? 'enable' : 'disable'}`, opts, async (request) => {
        await requireAgent(ctx, request.params.id);
        return respond(request.params.id, await ctx.sef.setModes(request.params.id, { [flag]: on }));
      });
    }
  }
}
