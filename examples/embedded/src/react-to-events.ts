import type { Sef } from '@sef/core';

/** Where the app's reactions go: its logger and its webhook. */
export interface Reactions {
  readonly log: (msg: string, fields?: Record<string, unknown>) => void;
  readonly notify: (payload: unknown) => Promise<boolean>;
}

/**
 * Logs what SEF does and calls the webhook when a failover ends. (The notice itself reaches the
 * webhook from the route that receives it, before SEF starts handling it: see `app.ts`.)
 * @example
 * reactToEvents(sef, { log: console.log, notify: createWebhook({ url }) });
 */
export function reactToEvents(sef: Sef, { log, notify }: Reactions): void {
  sef.on('report.rejected', (e) => log('report rejected', { index: e.index, issues: e.issues }));
  sef.on('gap.filled', (e) => log('gap filled by interpolation', { ...e }));
  sef.on('replica.launching', (e) => log('replica launching', { replica: e.replica.id, pool: e.replica.poolId }));
  sef.on('replica.promoted', (e) => log('replica promoted', { replica: e.replica.id }));
  sef.on('failover.completed', (e) => {
    log('failover completed', { agentId: e.event.agentId, outcome: e.event.outcome, ms: e.event.responseTimeMs });
    void notify({ kind: 'failover.completed', agentId: e.event.agentId, outcome: e.event.outcome });
  });
  sef.on('failover.failed', (e) => {
    log('failover failed', { agentId: e.event.agentId, error: e.error });
    void notify({ kind: 'failover.failed', agentId: e.event.agentId, error: e.error });
  });
  sef.on('alert', (a) => log('SEF alert', { ...a }));
  sef.on('error', (e) => log('SEF background error', { context: e.context, error: String(e.error) }));
}
