import type { FailoverStats } from '@sef/core';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { daysQuery } from '../http/schemas.js';
import { errorBody } from '../http/http-error.js';
import { withTimeout } from '../http/with-timeout.js';
import { guard, sec, type RouteContext } from './context.js';

const dayMs = 86_400_000;

const failoverStatsView = (s: FailoverStats) => ({
  avg_response_sec: s.avgResponseSec,
  fastest_sec: s.fastestSec,
  slowest_sec: s.slowestSec,
  successful: s.successful,
  total_events: s.totalEvents,
});
/** How long `/readyz` waits for each dependency: the probe answers within a second. */
export const readinessCheckTimeoutMs = 800;

/** The spec's monitoring queries, active alerts, Prometheus metrics and the health probes. */
export function monitoringRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { storage } = ctx.sef;
  const admin = guard(ctx, 'admin');

  r.get('/api/metrics/data-quality', { onRequest: admin, schema: { querystring: daysQuery(7) } }, async (request) => {
    const since = Math.floor((ctx.now() - request.query.days * dayMs) / 1000);
    const days = await storage.prices.dataQualityByDay(since);
    return {
      days: days.map((d) => ({ date: d.date, total: d.totalPoints, interpolated: d.interpolated, averaged: d.averaged, pct_interpolated: d.pctInterpolated })),
    };
  });

  r.get('/api/metrics/replicas', { onRequest: admin, schema: { querystring: daysQuery(7) } }, async (request) => {
    const stats = await storage.replicas.stats(ctx.now() - request.query.days * dayMs);
    return {
      replicas: stats.map((s) => ({
        replica_type: s.replicaType,
        total_created: s.totalCreated,
        avg_ready_time_sec: s.avgReadyTimeSec,
        promoted_count: s.promotedCount,
        terminated_unused: s.terminatedUnused,
      })),
    };
  });

  // Both figures, named: the failovers proper (termination notices), and the spec's query as written
  // (every interruption event, rebalance recommendations included).
  r.get('/api/metrics/failovers', { onRequest: admin, schema: { querystring: daysQuery(30) } }, async (request) => {
    const since = ctx.now() - request.query.days * dayMs;
    const [notices, every] = await Promise.all([storage.events.failoverStats(since, { signalType: 'termination-notice' }), storage.events.failoverStats(since)]);
    return { termination_notices: failoverStatsView(notices), all_events: failoverStatsView(every) };
  });

  // This process's alerts, plus those other SEF instances recorded in the shared event store (`alert.<kind>`).
  r.get('/api/alerts', { onRequest: admin }, async () => {
    const since = ctx.now() - ctx.alerts.activeForMs;
    const stored = await storage.events.systemEvents({ since, typePrefix: 'alert.', limit: 500 });
    const byKey = new Map<string, { kind: string; message: string; agent_id: string | null; at: number | null; count: number; details: Record<string, unknown> }>();
    for (const e of [...stored].reverse()) {
      const kind = e.eventType.slice('alert.'.length);
      const key = `${kind}|${e.agentId ?? ''}`;
      const { message, ...details } = e.payload as { message?: unknown };
      byKey.set(key, { kind, message: typeof message === 'string' ? message : kind, agent_id: e.agentId, at: sec(e.createdAt), count: (byKey.get(key)?.count ?? 0) + 1, details });
    }
    for (const a of ctx.alerts.active()) {
      const key = `${a.kind}|${a.agentId ?? ''}`;
      const seen = byKey.get(key);
      if (!seen || (seen.at ?? 0) <= (sec(a.at) ?? 0)) byKey.set(key, { kind: a.kind, message: a.message, agent_id: a.agentId ?? null, at: sec(a.at), count: Math.max(a.count, seen?.count ?? 0), details: { ...(a.details ?? {}) } });
    }
    return { alerts: [...byKey.values()].sort((a, b) => (b.at ?? 0) - (a.at ?? 0)) };
  });

  r.get('/metrics', async (_request, reply) => {
    const text = await ctx.metrics.metrics();
    return reply.type(ctx.metrics.contentType).send(text);
  });

  r.get('/healthz', async () => ({ status: 'ok' }));

  // Each check has its own deadline, so a frozen dependency makes the probe red within a second
  // instead of holding it for the driver's own timeout.
  r.get('/readyz', async (_request, reply) => {
    const check = async (fn: () => Promise<unknown>) => {
      try {
        return (await withTimeout(fn(), readinessCheckTimeoutMs)) !== false;
      } catch {
        return false;
      }
    };
    const [storageOk, bufferOk] = await Promise.all([
      check(() => storage.ping()),
      check(async () => (ctx.buffer ? ctx.buffer.size() : true)),
    ]);
    if (storageOk && bufferOk) return { status: 'ready', checks: { storage: true, buffer: true } };
    const details = [
      ...(storageOk ? [] : [{ path: 'storage', code: 'unreachable', message: `storage is down or did not answer within ${readinessCheckTimeoutMs} ms` }]),
      ...(bufferOk ? [] : [{ path: 'buffer', code: 'unreachable', message: `dedupe buffer is down or did not answer within ${readinessCheckTimeoutMs} ms` }]),
    ];
    return reply.code(503).header('retry-after', '1').send(errorBody('UNAVAILABLE', 'Not ready: a dependency is down', details));
  });
}
