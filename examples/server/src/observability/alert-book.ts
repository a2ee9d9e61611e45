import type { Alert, AlertKind } from '@sef/core';

export interface AlertBookOptions {
  /** How long an alert stays active after it was last raised (ms). @default 3_600_000 */
  readonly activeForMs?: number;
  readonly now: () => number;
}

/**
 * The active alerts of this process: the latest alert per (kind, agent), until it has not been raised
 * again for `activeForMs`. The full history is in the event store (`system_events`).
 */
export function createAlertBook(options: AlertBookOptions) {
  const activeForMs = options.activeForMs ?? 3_600_000;
  const alerts = new Map<string, Alert & { count: number }>();

  return {
    activeForMs,
    raise(alert: Alert): void {
      const key = `${alert.kind}|${alert.agentId ?? ''}`;
      const previous = alerts.get(key);
      alerts.set(key, { ...alert, count: (previous?.count ?? 0) + 1 });
    },
    active(): (Alert & { count: number })[] {
      const cutoff = options.now() - activeForMs;
      for (const [key, a] of alerts) if (a.at < cutoff) alerts.delete(key);
      return [...alerts.values()].sort((a, b) => b.at - a.at);
    },
    countByKind(): Map<AlertKind, number> {
      const counts = new Map<AlertKind, number>();
      for (const a of this.active()) counts.set(a.kind, (counts.get(a.kind) ?? 0) + 1);
      return counts;
    },
  };
}

export type AlertBook = ReturnType<typeof createAlertBook>;
