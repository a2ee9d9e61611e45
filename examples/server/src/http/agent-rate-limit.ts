import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { HttpError } from './http-error.js';
import { createRedisWindowCounter } from './redis-window-counter.js';
import { withTimeout } from './with-timeout.js';

/** The per-agent rate limit. */
export interface AgentRateLimit {
  /** Requests per agent per window. @default 1200 */
  readonly max?: number;
  /** @default 60000 */
  readonly timeWindowMs?: number;
  /** An ioredis client: the counters are then shared by every server behind the load balancer. */
  readonly redis?: unknown;
  /** Key prefix in Redis: an agent's counter is `<nameSpace>agent:<id>`. @default 'sef-rate-limit:' */
  readonly nameSpace?: string;
  /**
   * Milliseconds to wait for Redis' count before this process counts alone (fail-open, see
   * {@link installAgentRateLimit}). @default 250
   */
  readonly redisTimeoutMs?: number;
}

/** Counts a request against its path agent's quota; throws 429 over it. */
export type LimitAgent = (request: FastifyRequest) => Promise<void>;

const keyOf = (request: FastifyRequest) => `agent:${(request.params as { id?: string }).id ?? ''}`;

const exceeded = (max: number, windowMs: number, retryInSeconds: number) =>
  new HttpError(429, 'RATE_LIMITED', `Rate limit exceeded: ${max} requests per ${windowMs / 1000} s for this agent; retry in ${retryInSeconds} s`, [], { 'retry-after': String(retryInSeconds) });

/**
 * A fixed-window counter per key in this process: what the limit falls back to while Redis is away.
 * Windows are forgotten when they end, so it holds one entry per agent seen in the current window.
 */
export function createLocalCounter(max: number, windowMs: number, now: () => number) {
  const windows = new Map<string, { count: number; endsAt: number }>();
  return (key: string): { allowed: boolean; retryInSeconds: number } => {
    const t = now();
    let w = windows.get(key);
    if (w === undefined || w.endsAt <= t) {
      if (windows.size > 10_000) for (const [k, old] of windows) if (old.endsAt <= t) windows.delete(k);
      w = { count: 0, endsAt: t + windowMs };
      windows.set(key, w);
    }
    w.count++;
    return { allowed: w.count <= max, retryInSeconds: Math.max(1, Math.ceil((w.endsAt - t) / 1000)) };
  };
}

/**
 * Returns the per-agent check: one fixed-window counter per agent across all its routes. With Redis the count is shared by every
 * server; when Redis fails or does not answer within `redisTimeoutMs`, the request is counted by this
 * process alone with the same limit (fail-open: an agent can then send up to `max` per server and
 * window) instead of failing a route that may not need Redis at all. A warning is logged once per outage.
 */
export async function installAgentRateLimit(app: FastifyInstance, options: AgentRateLimit, now: () => number): Promise<LimitAgent> {
  const max = options.max ?? 1200;
  const windowMs = options.timeWindowMs ?? 60_000;
  const local = createLocalCounter(max, windowMs, now);
  if (options.redis === undefined) {
    return async (request) => {
      const r = local(keyOf(request));
      if (!r.allowed) throw exceeded(max, windowMs, r.retryInSeconds);
    };
  }
  const shared = createRedisWindowCounter(options.redis as Redis, options.nameSpace ?? 'sef-rate-limit:', windowMs);
  const redisTimeoutMs = options.redisTimeoutMs ?? 250;
  let degraded = false;

  return async (request) => {
    const counted = await withTimeout(shared(keyOf(request)), redisTimeoutMs).catch((error: unknown) => {
      if (!degraded) app.log.warn({ err: error }, 'rate limit: Redis did not answer; counting in this process until it does');
      degraded = true;
      return undefined;
    });
    if (counted !== undefined) {
      if (degraded) app.log.info('rate limit: Redis answers again; counting shared');
      degraded = false;
      if (counted.count > max) throw exceeded(max, windowMs, Math.max(1, Math.ceil(counted.ttlMs / 1000)));
      return;
    }
    const r = local(keyOf(request));
    if (!r.allowed) throw exceeded(max, windowMs, r.retryInSeconds);
  };
}
