import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ReplicaRecord, SystemEventRecord } from '@sef/core';
import { agentParams, pricesQuery } from '../http/schemas.js';
import { agentView, guard, requireAgent, sec, type RouteContext } from './context.js';
import { noticeView } from './notices.js';

const dayMs = 86_400_000;
const live = new Set(['launching', 'syncing', 'ready']);

const replicaView = (r: ReplicaRecord) => ({
  id: r.id,
  instance_id: r.instanceId,
  pool_id: r.poolId,
  market: r.market,
  replica_type: r.replicaType,
  status: r.status,
  created_at: sec(r.createdAt),
  ready_at: sec(r.readyAt),
  ended_at: sec(r.endedAt),
});

const riskView = (e: SystemEventRecord) => {
  const p = e.payload as { score: number; factors: unknown; source: string };
  return { score: p.score, factors: p.factors, source: p.source, at: sec(e.createdAt) };
};

/** A manual switch that began, as the history shows it (a `manual.switch` event; older records have no time and only successes). */
const manualSwitchView = (e: SystemEventRecord) => {
  const p = e.payload as { from?: string; to?: string; responseTimeMs?: number; success?: boolean; error?: string };
  return { at: sec(e.createdAt), from: p.from ?? null, to: p.to ?? null, success: p.success !== false, error: p.error ?? null, response_time_ms: p.responseTimeMs ?? null };
};

/** What an agent (or the admin) reads back: its SEF status and its stored price timelines. */
export function statusRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { storage } = ctx.sef;

  r.get('/api/agents/:id/sef-status', { onRequest: guard(ctx, 'agent-or-admin', { rateLimited: true }), schema: { params: agentParams } }, async (request) => {
    const agent = await requireAgent(ctx, request.params.id);
    const since = ctx.now() - 30 * dayMs;
    const [replicas, quality, events, signals, switches, risks, stats] = await Promise.all([
      storage.replicas.listByAgent(agent.id),
      storage.prices.countByFlag(agent.id),
      storage.events.systemEvents({ since, agentId: agent.id, limit: 20 }),
      storage.events.listSignals({ since, agentId: agent.id, limit: 20 }),
      storage.events.systemEvents({ since, agentId: agent.id, typePrefix: 'manual.switch', limit: 20 }),
      // The latest score whichever SEF instance made it (the core stores each one).
      storage.events.systemEvents({ since: 0, agentId: agent.id, typePrefix: 'risk.scored', limit: 1 }),
      ctx.sef.stats(),
    ]);
    const risk = risks[0];
    const current = [...replicas].reverse().find((x) => live.has(x.status));
    return {
      agent_id: agent.id,
      modes: {
        auto_switch_enabled: agent.modes.autoSwitch,
        auto_terminate_enabled: agent.modes.autoTerminate,
        manual_replica_enabled: agent.modes.manualReplica,
      },
      primary: { instance_id: agent.primaryInstanceId, pool_id: agent.poolId, launched_at: sec(agent.primaryLaunchedAt) },
      replica: current ? replicaView(current) : null,
      replicas: replicas.slice(-10).reverse().map(replicaView),
      risk: risk ? riskView(risk) : null,
      data_quality: quality,
      // Service-wide: how far storing is behind accepting (a report is readable at most this much after its 202, plus its twin window).
      ingest: { queued_batches: stats.queued, lag_seconds: stats.queueLagMs / 1000, waiting_for_twin: stats.buffered },
      recent_events: events.map((e) => ({ event_type: e.eventType, created_at: sec(e.createdAt), payload: e.payload })),
      failovers: signals.map(noticeView),
      manual_switches: switches.map(manualSwitchView),
      agent: agentView(agent),
    };
  });

  r.get('/api/agents/:id/prices', { onRequest: guard(ctx, 'agent-or-admin', { rateLimited: true }), schema: { params: agentParams, querystring: pricesQuery } }, async (request) => {
    const agent = await requireAgent(ctx, request.params.id);
    const to = request.query.to ?? Math.floor(ctx.now() / 1000) + 3600;
    const from = request.query.from ?? to - 86_400 - 3600;
    const pools = request.query.pool !== undefined ? [request.query.pool] : (await storage.prices.seriesOf(agent.id)).map((s) => s.poolId);
    const series = await Promise.all(
      pools.map(async (poolId) => ({
        pool_id: poolId,
        points: (await storage.prices.timeline({ agentId: agent.id, poolId }, from, to)).map((p) => ({
          timestamp: p.timestamp,
          price: p.price,
          data_quality_flag: p.flag,
          source: p.source,
        })),
      })),
    );
    return { agent_id: agent.id, from, to, series };
  });
}
