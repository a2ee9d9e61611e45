import type { Clock } from '@sef/core';
import type { SefHttp } from './http.js';
import type { Log } from './log.js';

export interface HeartbeatOptions {
  readonly http: SefHttp;
  readonly agentId: string;
  readonly instanceId: string;
  readonly role: 'primary' | 'replica';
  /** For a replica: whether its state has synced (reported as `ready`, else `syncing`). */
  readonly isReady: () => boolean;
  readonly clock: Clock;
  readonly log: Log;
  /** @default 30000 */
  readonly intervalMs?: number;
}

/**
 * Heartbeats: a replica posts `{instanceId, state}` to `/heartbeat` (`syncing` until `isReady()`, then
 * `ready`); a primary has no replica state to report, so its heartbeat is a `GET /sef-status` that
 * checks SEF is reachable and logs the agent's modes when they change. Heartbeats are not spooled:
 * a late one says nothing. A 429/503 with `Retry-After` longer than the interval delays the next beat.
 * @example
 * const stop = startHeartbeat({ http, agentId, instanceId, role: 'replica', isReady: () => existsSync(flag), clock, log });
 */
export function startHeartbeat(options: HeartbeatOptions): () => void {
  const { http, agentId, instanceId, role, isReady, clock, log } = options;
  const interval = options.intervalMs ?? 30_000;
  let stopped = false;
  let timer: { cancel(): void } | undefined;
  let lastModes = '';
  /** Resolves to the wait before the next beat: the interval, or SEF's `Retry-After` when longer. */
  const beat = async (): Promise<number> => {
    const d =
      role === 'replica'
        ? await http.request('POST', `/api/agents/${agentId}/heartbeat`, { instanceId, state: isReady() ? 'ready' : 'syncing' })
        : await http.request('GET', `/api/agents/${agentId}/sef-status`);
    if (d.kind !== 'acknowledged') {
      log.warn('heartbeat not acknowledged', d.kind === 'refused' ? { status: d.status, reasons: d.body } : { reason: d.reason });
      return d.kind === 'unavailable' && d.retryAfterMs !== undefined ? Math.max(interval, d.retryAfterMs) : interval;
    }
    log.debug('heartbeat acknowledged', role === 'replica' ? { role, state: isReady() ? 'ready' : 'syncing' } : { role });
    if (role === 'primary') {
      const modes = JSON.stringify((d.body as { modes?: unknown } | undefined)?.modes ?? null);
      if (modes !== lastModes) log.info('SEF modes of this agent', { modes: JSON.parse(modes) as unknown });
      lastModes = modes;
    }
    return interval;
  };
  const loop = () => {
    if (stopped) return;
    void beat().then((wait) => wait, () => interval).then((wait) => {
      if (!stopped) timer = clock.setTimer(wait, loop);
    });
  };
  loop();
  return () => {
    stopped = true;
    timer?.cancel();
  };
}
