import type { Logger } from 'pino';
import type { ServerSef } from '../sef-api.js';
import type { AlertBook } from './alert-book.js';
import { logStoreSummaries } from './store-summary.js';

/**
 * Logs every SEF decision under a `SEF:` message prefix (the spec's `grep "SEF:"`), with the event's
 * data as structured fields. At info: one line per batch (the pricing route's `SEF: batch ...`, and
 * `SEF: stored ...` per stored batch) and one per decision (risk, replicas, notices, modes, alerts); per
 * report and per point (accepted, rejected, merged, each gap) only at debug.
 */
export function logDecisions(sef: ServerSef, log: Logger, alerts: AlertBook): void {
  // SEF emits one event per accepted report only while someone listens: not at all above debug.
  if (log.isLevelEnabled('debug')) sef.on('report.accepted', ({ report }) => log.debug({ report }, 'SEF: report accepted'));
  sef.on('report.rejected', ({ index, issues }) => log.debug({ index, reasons: issues.map((i) => i.code), issues }, 'SEF: report rejected'));
  sef.on('report.merged', (e) => log.debug(e, `SEF: merged primary and replica reports as ${e.flag}`));
  sef.on('gap.detected', (e) => log.debug(e, `SEF: gap of ${e.length}s detected`));
  sef.on('gap.filled', (e) => log.debug(e, `SEF: gap of ${e.length}s filled with ${e.points} interpolated point(s)`));
  // Also an `unfillable_gap` alert, logged at warn below.
  sef.on('gap.unfillable', (e) => log.debug(e, `SEF: gap of ${e.length}s left open (too long to interpolate)`));
  sef.on('gap.retracted', (e) => log.debug(e, `SEF: gap of ${e.length}s filled by late reports (its alert retracted)`));
  logStoreSummaries(sef, log);
  sef.on('risk.scored', (e) => log.info(e, `SEF: risk ${e.score.toFixed(3)} for agent ${e.agentId} (${e.source})`));
  sef.on('risk.model_fallback', (e) => log.warn(e, `SEF: risk model ${e.model} failed (${e.reason}); heuristic used`));
  sef.on('replica.launching', ({ replica }) => log.info({ replica }, `SEF: launching ${replica.replicaType} replica for agent ${replica.agentId} in ${replica.poolId}`));
  sef.on('replica.ready', ({ replica }) => log.info({ replica }, `SEF: replica ${replica.instanceId ?? replica.id} of agent ${replica.agentId} ready`));
  sef.on('replica.promoted', ({ replica }) => log.info({ replica }, `SEF: replica ${replica.instanceId ?? replica.id} promoted to primary of agent ${replica.agentId}`));
  sef.on('replica.terminated', ({ replica, reason }) => log.info({ replica, reason }, `SEF: replica ${replica.instanceId ?? replica.id} of agent ${replica.agentId} terminated (${reason})`));
  sef.on('notice.received', ({ notice, duplicate }) =>
    log.info({ notice: notice.id }, `SEF: ${notice.signalType} ${notice.id} for agent ${notice.agentId} ${duplicate ? 'is a duplicate' : 'accepted'} (deadline ${new Date(notice.deadline).toISOString()})`),
  );
  sef.on('notice.retry', (e) =>
    log.warn({ err: e.error, notice: e.noticeId }, `SEF: ${e.noticeId} attempt ${e.attempt} failed; retried at ${new Date(e.retryAt).toISOString()} (deadline ${new Date(e.deadline).toISOString()})`),
  );
  sef.on('failover.completed', ({ event, steps }) => log.info({ event, steps }, `SEF: ${event.signalType} for agent ${event.agentId} handled in ${event.responseTimeMs ?? '?'} ms (${event.outcome ?? 'done'})`));
  sef.on('failover.failed', ({ event, steps, error }) => log.error({ event, steps, error }, `SEF: ${event.signalType} for agent ${event.agentId} FAILED: ${error}`));
  sef.on('instance.orphaned', (e) => {
    const what = `SEF: orphan instance ${e.instanceId} of agent ${e.agentId} (${e.reason})`;
    if (e.outcome === 'spared') log.info(e, `${what} spared: launched for notice ${e.noticeId ?? '?'}, still open; judged again once it ends`);
    else if (e.outcome === 'terminated') log.warn(e, `${what} terminated after ${e.attempts} attempt(s)`);
    else log.error(e, `${what}: terminate FAILED after ${e.attempts} attempt(s) (${e.error ?? 'unknown error'}); the next sweep tries again`);
  });
  sef.on('mode.changed', (e) => log.info(e, `SEF: modes of agent ${e.agentId} changed`));
  sef.on('alert', (a) => {
    alerts.raise(a);
    log.warn(a, `SEF: ALERT ${a.kind}: ${a.message}`);
  });
  sef.on('error', ({ error, context }) => log.error({ err: error, context }, `SEF: background error in ${context}`));
}
