import { NotFoundError, type AgentRecord, type DedupeBuffer } from '@sef/core';
import type { FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import type { Audience, Authenticate } from '../http/auth.js';
import type { AlertBook } from '../observability/alert-book.js';
import type { ServerSef } from '../sef-api.js';

/** Everything a route module needs, built once by `buildServer`. */
export interface RouteContext {
  readonly sef: ServerSef;
  readonly authenticate: Authenticate;
  readonly alerts: AlertBook;
  readonly metrics: Registry;
  /** Checked by `/readyz` besides the storage, when the server knows it. */
  readonly buffer: Pick<DedupeBuffer, 'size'> | undefined;
  /** Unix ms. */
  readonly now: () => number;
  /** Counts a request against its path agent's quota; throws 429 over it. Undefined when the limit is off. */
  readonly limitAgent: ((request: FastifyRequest) => Promise<void>) | undefined;
  readonly onAgentRegistered: ((agent: AgentRecord) => void | Promise<void>) | undefined;
}

/**
 * A route's `onRequest` hook that admits only its audience, then (for agent routes) counts the request
 * against the agent's rate limit: after auth, so nobody can use up another agent's quota (the admin's
 * requests are not counted). The count's verdict is awaited by {@link awaitRateLimit}.
 */
export const guard = (ctx: RouteContext, audience: Audience, options: { rateLimited?: boolean } = {}) => async (request: FastifyRequest) => {
  const principal = await ctx.authenticate(request, audience);
  if (principal.kind === 'agent') authenticated.set(request, principal.agent);
  if (options.rateLimited && principal.kind === 'agent' && ctx.limitAgent !== undefined) {
    // Counted now, after auth; awaited by `awaitRateLimit` once the body is read and parsed, so that the
    // count's round trip to Redis overlaps them instead of coming before.
    const counted = ctx.limitAgent(request);
    counted.catch(() => undefined);
    limits.set(request, counted);
  }
};

const limits = new WeakMap<FastifyRequest, Promise<void>>();

/** A `preValidation` hook: the request's rate-limit count (429 over the limit) before its schema and handler. */
export const awaitRateLimit = async (request: FastifyRequest): Promise<void> => {
  await limits.get(request);
};

/** The agent record an agent token of the request was checked against (one read per request, not two). */
const authenticated = new WeakMap<FastifyRequest, AgentRecord>();

/** The agent record the request's agent token was checked against (undefined for the admin, or without auth). */
export const authenticatedAgent = (request: FastifyRequest): AgentRecord | undefined => authenticated.get(request);

/** The agent of a path, or 404: as read by the request's authentication when an agent token named it, else read. */
export async function requireAgent(ctx: RouteContext, id: string, request?: FastifyRequest): Promise<AgentRecord> {
  const known = request === undefined ? undefined : authenticated.get(request);
  if (known?.id === id) return known;
  const agent = await ctx.sef.storage.agents.get(id);
  if (!agent) throw new NotFoundError(`Unknown agent ${id}`);
  return agent;
}

/** Unix ms → unix seconds (the API's unit), null kept. */
export const sec = (ms: number | null): number | null => (ms === null ? null : Math.floor(ms / 1000));

/** An agent as the API shows it: the spec's column names, unix seconds. */
export function agentView(a: AgentRecord) {
  return {
    id: a.id,
    region: a.region,
    pool_id: a.poolId,
    primary_instance_id: a.primaryInstanceId,
    primary_launched_at: sec(a.primaryLaunchedAt),
    replica_instance_id: a.replicaInstanceId,
    auto_switch_enabled: a.modes.autoSwitch,
    auto_terminate_enabled: a.modes.autoTerminate,
    manual_replica_enabled: a.modes.manualReplica,
    created_at: sec(a.createdAt),
  };
}
