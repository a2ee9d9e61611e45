import type { AgentRecord, DedupeBuffer } from '@sef/core';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { pino, type Logger } from 'pino';
import { dashboardRoutes } from './dashboard/routes.js';
import { createAuthenticator } from './http/auth.js';
import { installErrorHandler } from './http/error-handler.js';
import { clientErrorHandler, frameworkErrors, maxParamLength } from './http/framework-errors.js';
import { registerOpenApi } from './http/openapi.js';
import { installAgentRateLimit, type AgentRateLimit } from './http/agent-rate-limit.js';
import { createAlertBook } from './observability/alert-book.js';
import { logDecisions } from './observability/decision-log.js';
import { createMetrics } from './observability/metrics.js';
import { agentRoutes } from './routes/agents.js';
import { awaitRateLimit, type RouteContext } from './routes/context.js';
import { modeRoutes } from './routes/modes.js';
import { noticeRoutes } from './routes/notices.js';
import { monitoringRoutes } from './routes/monitoring.js';
import { statusRoutes } from './routes/status.js';
import type { ServerSef } from './sef-api.js';

export type { AgentRateLimit } from './http/agent-rate-limit.js';

export interface ServerOptions {
  /** The SEF instance the routes drive (from `createSef` or `composeFromEnv`). */
  readonly sef: ServerSef;
  /** Bearer token of the control endpoints. */
  readonly adminToken: string;
  /** False only for development (`SEF_AUTH=off`): every request is then treated as the admin's. @default true */
  readonly auth?: boolean;
  /** @default pino at level `info` */
  readonly logger?: Logger;
  /** Largest request body in bytes; larger ones get 413. @default 4194304 (5,000 reports fit) */
  readonly bodyLimit?: number;
  /** `false` turns the per-agent rate limit off. @default {} (1200 requests per agent per minute, in memory) */
  readonly rateLimit?: AgentRateLimit | false;
  /** Checked by `/readyz` besides the storage. */
  readonly buffer?: Pick<DedupeBuffer, 'size'>;
  /** Unix ms. @default Date.now */
  readonly now?: () => number;
  /** Called with every agent registered through the API (the composition's `adoptAgent`). */
  readonly onAgentRegistered?: (agent: AgentRecord) => void | Promise<void>;
  /** How long an alert stays listed as active after it was last raised (ms). @default 3600000 */
  readonly alertActiveForMs?: number;
  /** The latest `pnpm simulate` report (HTML file): the dashboard links it and `/simulation` serves it while it exists. @default undefined */
  readonly simulationReport?: string;
}

/**
 * The Fastify app of the SEF service (API.md), not yet listening: every route, the error format,
 * auth, the per-agent rate limit, `/metrics`, the decision log, the dashboard, and the OpenAPI
 * reference at `/docs` (`app.swagger()` returns the document).
 * @example
 * const app = await buildServer({ sef, adminToken: process.env.SEF_ADMIN_TOKEN! });
 * await app.listen({ port: 5000, host: '0.0.0.0' });
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { sef } = options;
  const logger = options.logger ?? pino({ level: 'info' });
  const now = options.now ?? (() => Date.now());
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimit ?? 4 * 1024 * 1024,
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { maxParamLength },
    frameworkErrors,
    clientErrorHandler,
  });
  // Every body is JSON: text/plain gets 415 like any other type, instead of reaching a schema as a string.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);

  const alerts = createAlertBook({ now, ...(options.alertActiveForMs !== undefined ? { activeForMs: options.alertActiveForMs } : {}) });
  logDecisions(sef, logger, alerts);
  const metrics = createMetrics(sef, alerts);

  const limitAgent = options.rateLimit === false ? undefined : await installAgentRateLimit(app, options.rateLimit ?? {}, now);

  // Before the routes: the OpenAPI document is collected as they are declared.
  await registerOpenApi(app);
  const ctx: RouteContext = {
    sef,
    authenticate: createAuthenticator({ adminToken: options.adminToken, enabled: options.auth ?? true, agents: sef.storage.agents }),
    alerts,
    metrics,
    buffer: options.buffer,
    now,
    limitAgent,
    onAgentRegistered: options.onAgentRegistered,
  };
  // Every route: the rate-limit count its guard started, awaited before the schema (429 before 400).
  app.addHook('preValidation', awaitRateLimit);
  agentRoutes(app, ctx);
  statusRoutes(app, ctx);
  noticeRoutes(app, ctx);
  modeRoutes(app, ctx);
  monitoringRoutes(app, ctx);
  dashboardRoutes(app, { simulationReport: options.simulationReport });
  return app;
}
