import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { createJsonSchemaTransform } from 'fastify-type-provider-zod';
import { vendorFiles } from '../dashboard/routes.js';

type Auth = 'admin' | 'agent' | 'agent-or-admin' | 'none';

/**
 * What the OpenAPI document says of each route beyond its zod schemas: a summary, a tag and who may call
 * it (docs/API.md is the full contract). Keyed by `METHOD url`; a route missing here fails the OpenAPI
 * test, so a new route cannot go undocumented.
 */
export const routeDocs: Readonly<Record<string, { summary: string; tag: string; auth: Auth }>> = {
  'POST /api/agents': { summary: 'Register an agent; returns its token once', tag: 'agents', auth: 'admin' },
  'GET /api/agents': { summary: 'List agents with their modes and replica status', tag: 'agents', auth: 'admin' },
  'POST /api/agents/{id}/pricing': { summary: 'Send 1..5000 price reports (202 once durably queued)', tag: 'agents', auth: 'agent' },
  'POST /api/agents/{id}/heartbeat': { summary: "A replica's heartbeat (syncing / ready)", tag: 'agents', auth: 'agent' },
  'POST /api/agents/{id}/interruption': { summary: 'A rebalance recommendation or termination notice (202 at once with its id; the failover runs in the background)', tag: 'agents', auth: 'agent-or-admin' },
  'GET /api/agents/{id}/notices': { summary: "An agent's latest notices with their progress", tag: 'status', auth: 'agent-or-admin' },
  'GET /api/agents/{id}/notices/{noticeId}': { summary: "One notice's progress: steps, outcome, deadline", tag: 'status', auth: 'agent-or-admin' },
  'POST /api/agents/{id}/manual-replica/enable': { summary: 'Turn manual replica mode on (409 while auto-switch is on)', tag: 'modes', auth: 'admin' },
  'POST /api/agents/{id}/manual-replica/disable': { summary: 'Turn manual replica mode off', tag: 'modes', auth: 'admin' },
  'POST /api/agents/{id}/manual-switch': { summary: 'Switch to the ready replica', tag: 'modes', auth: 'admin' },
  'POST /api/agents/{id}/auto-switch/enable': { summary: 'Turn auto-switch on (409 while manual mode is on)', tag: 'modes', auth: 'admin' },
  'POST /api/agents/{id}/auto-switch/disable': { summary: 'Turn auto-switch off', tag: 'modes', auth: 'admin' },
  'POST /api/agents/{id}/auto-terminate/enable': { summary: 'Turn auto-terminate on', tag: 'modes', auth: 'admin' },
  'POST /api/agents/{id}/auto-terminate/disable': { summary: 'Turn auto-terminate off', tag: 'modes', auth: 'admin' },
  'GET /api/agents/{id}/sef-status': { summary: "An agent's state: modes, replica, latest risk, recent failovers and manual switches", tag: 'status', auth: 'agent-or-admin' },
  'GET /api/agents/{id}/prices': { summary: "An agent's stored price timeline with quality flags", tag: 'status', auth: 'agent-or-admin' },
  'GET /api/metrics/data-quality': { summary: "The spec's data-quality query, per day", tag: 'monitoring', auth: 'admin' },
  'GET /api/metrics/replicas': { summary: "The spec's replica query", tag: 'monitoring', auth: 'admin' },
  'GET /api/metrics/failovers': { summary: "The spec's failover query: over termination notices (termination_notices) and over every event as the spec counts them (all_events)", tag: 'monitoring', auth: 'admin' },
  'GET /api/alerts': { summary: 'Active alerts', tag: 'monitoring', auth: 'admin' },
  'GET /metrics': { summary: 'Prometheus metrics', tag: 'monitoring', auth: 'none' },
  'GET /healthz': { summary: 'Liveness', tag: 'monitoring', auth: 'none' },
  'GET /readyz': { summary: 'Readiness: storage and buffer reachable', tag: 'monitoring', auth: 'none' },
};

/** Routes that are not part of the API: the dashboard's files (and the simulation report it links) and this reference itself. */
const hidden = ['/', '/favicon.ico', '/dashboard.js', '/dashboard-chart.js', '/simulation', ...Object.keys(vendorFiles)];

const security: Record<Auth, readonly Record<string, string[]>[]> = {
  admin: [{ admin: [] }],
  agent: [{ agent: [] }],
  'agent-or-admin': [{ agent: [] }, { admin: [] }],
  none: [],
};

/**
 * Registers `@fastify/swagger` (an OpenAPI 3.1 document built from the routes' zod schemas by
 * fastify-type-provider-zod's transform) and the interactive reference at `/docs`. Call before any route
 * is added: the document is collected as routes are declared. `app.swagger()` returns the document.
 * @example
 * await registerOpenApi(app);
 * agentRoutes(app, ctx);
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  const zodTransform = createJsonSchemaTransform({});
  // swagger reads `schema.hide` from the route itself (a transform cannot hide one).
  app.addHook('onRoute', (route) => {
    if (hidden.includes(route.url)) route.schema = { ...route.schema, hide: true };
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'SEF HTTP API',
        version: '1.0.0',
        description: 'Smart Emergency Fallback: price reports, interruption signals, modes and monitoring. The contract in prose: docs/API.md.',
      },
      components: {
        securitySchemes: {
          admin: { type: 'http', scheme: 'bearer', description: 'SEF_ADMIN_TOKEN' },
          agent: { type: 'http', scheme: 'bearer', description: "The agent's token <agentId>.<secret>, returned once by POST /api/agents" },
        },
      },
    },
    transform: (input) => {
      const out = zodTransform(input);
      const doc = routeDocs[`${input.route.method as string} ${out.url.replace(/:(\w+)/g, '{$1}')}`];
      if (doc === undefined) return out;
      return { ...out, schema: { ...out.schema, summary: doc.summary, tags: [doc.tag], security: security[doc.auth] } };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}
