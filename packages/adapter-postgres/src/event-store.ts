import { ConflictError, NotFoundError, StaleFencingTokenError, type EventStore, type InterruptionEventRecord, type NoticeRole, type SignalType, type StepRecord, type SystemEventRecord } from '@sef/core';
import { query, type Db } from './db.js';
import { onFenceConflict, upsertFence } from './fence.js';
import { failoverStatsRow, monitoringSql } from './monitoring-sql.js';
import { num, numOrNull } from './rows.js';
import { fromMs, toMs, type Tables } from './tables.js';

const signalColumns = `id, agent_id, instance_id, pool_id, signal_type, instance_role, ${toMs('detected_at')} AS detected_at,
  ${toMs('notice_time')} AS notice_time, ${toMs('action_time')} AS action_time, ${toMs('deadline')} AS deadline, response_time_ms, success, outcome, steps`;

function signalFromRow(r: Record<string, unknown>): InterruptionEventRecord {
  return {
    id: r['id'] as string,
    agentId: r['agent_id'] as string,
    instanceId: r['instance_id'] as string,
    poolId: r['pool_id'] as string,
    signalType: r['signal_type'] as SignalType,
    instanceRole: r['instance_role'] as NoticeRole,
    detectedAt: num(r['detected_at']),
    noticeTime: num(r['notice_time']),
    actionTime: numOrNull(r['action_time']),
    deadline: num(r['deadline']),
    responseTimeMs: numOrNull(r['response_time_ms']),
    success: r['success'] as boolean | null,
    outcome: r['outcome'] as string | null,
    steps: r['steps'] as StepRecord[],
  };
}

const systemFromRow = (r: Record<string, unknown>): SystemEventRecord => ({
  eventType: r['event_type'] as string,
  agentId: r['agent_id'] as string | null,
  createdAt: num(r['created_at']),
  payload: r['payload'] as Record<string, unknown>,
});

/** Throws `StaleFencingTokenError` when the highest token seen (`seen`, from the fence upsert) is above `token`. */
function staleUnless(seen: string | undefined, token: number, id: string): void {
  if (seen !== undefined && Number(seen) > token) throw new StaleFencingTokenError(`Fencing token ${token} for notice ${id} is stale (seen ${seen})`);
}

/** `LIKE` pattern matching strings that start with `prefix` taken literally. */
const likePrefix = (prefix: string) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The {@link EventStore} on `spot_interruption_events` and `system_events`. `recordSignal` is an
 * INSERT … ON CONFLICT DO NOTHING on the id and on the unique index of primary notices (the exactly-once
 * gate and the pin); `saveSteps` and `completeSignal` check the fencing token and that the notice is still
 * open, and write, in one statement; `getSignal` with a token is one statement too.
 */
export function createPostgresEventStore(db: Db, t: Tables): EventStore {
  const selectSignal = `SELECT ${signalColumns} FROM ${t.signals}`;
  const monitoring = monitoringSql(t, fromMs('$1'));
  /**
   * A fenced write to the open notice `id`, one statement: the agent's fence row raised first (the order
   * of the fenced read, so the two never wait for each other in a cycle), then the row updated only while
   * the notice is open and the token is not stale (rechecked on the newest row version). When nothing was
   * written, a read says why: `NotFoundError`, stale token, or `ConflictError` when complete.
   */
  const writeOpen = async (what: string, id: string, token: number | undefined, set: string, values: unknown[]) => {
    const rows = await query(
      db,
      what,
      `WITH f AS (${upsertFence(t)} SELECT agent_id, $2::bigint FROM ${t.signals} WHERE id = $1 AND $2::bigint IS NOT NULL AND success IS NULL
                  ${onFenceConflict} RETURNING fencing_token AS seen)
       UPDATE ${t.signals} SET ${set} WHERE id = $1 AND success IS NULL AND ($2::bigint IS NULL OR (SELECT seen FROM f) <= $2::bigint)
       RETURNING ${signalColumns}`,
      [id, token ?? null, ...values],
    );
    if (rows[0]) return signalFromRow(rows[0]);
    const [why] = await query<{ success: boolean | null; seen: string | null }>(
      db,
      what,
      `SELECT s.success, f.fencing_token AS seen FROM ${t.signals} s LEFT JOIN ${t.fences} f ON f.agent_id = s.agent_id WHERE s.id = $1`,
      [id],
    );
    if (!why) throw new NotFoundError(`Signal ${id} not found`);
    if (token !== undefined) staleUnless(why.seen ?? undefined, token, id);
    throw new ConflictError(`Signal ${id} is already complete`);
  };
  return {
    async recordSignal(event) {
      const inserted = await query(
        db,
        'EventStore.recordSignal',
        `INSERT INTO ${t.signals} (id, agent_id, instance_id, pool_id, signal_type, instance_role, detected_at, notice_time, action_time,
           deadline, response_time_ms, success, outcome, steps)
         VALUES ($1, $2, $3, $4, $5, $6, ${fromMs('$7')}, ${fromMs('$8')}, ${fromMs('$9')}, ${fromMs('$10')}, $11, $12, $13, $14)
         ON CONFLICT DO NOTHING RETURNING ${signalColumns}`,
        [event.id, event.agentId, event.instanceId, event.poolId, event.signalType, event.instanceRole, event.detectedAt, event.noticeTime,
          event.actionTime, event.deadline, event.responseTimeMs, event.success, event.outcome, JSON.stringify(event.steps)],
      );
      if (inserted[0]) return { created: true, event: signalFromRow(inserted[0]) };
      // The same id, or the primary notice this one is pinned to (a conflict waited for the other insert to commit).
      const existing = await query(
        db,
        'EventStore.recordSignal',
        `${selectSignal} WHERE id = $1 OR ($2 = 'primary' AND instance_role = 'primary' AND agent_id = $3 AND signal_type = $4 AND notice_time = ${fromMs('$5')})
         ORDER BY id = $1 DESC LIMIT 1`,
        [event.id, event.instanceRole, event.agentId, event.signalType, event.noticeTime],
      );
      return { created: false, event: signalFromRow(existing[0]!) };
    },

    saveSteps(id, steps, options) {
      return writeOpen('EventStore.saveSteps', id, options?.fencingToken, 'steps = $3', [JSON.stringify(steps)]);
    },

    completeSignal(id, outcome, options) {
      return writeOpen('EventStore.completeSignal', id, options?.fencingToken, 'response_time_ms = $3, success = $4, outcome = $5, steps = $6', [
        outcome.responseTimeMs, outcome.success, outcome.outcome, JSON.stringify(outcome.steps),
      ]);
    },

    async getSignal(id, options) {
      const token = options?.fencingToken;
      if (token === undefined) {
        const rows = await query(db, 'EventStore.getSignal', `${selectSignal} WHERE id = $1`, [id]);
        return rows[0] && signalFromRow(rows[0]);
      }
      // One statement: the token raised first (waiting for a write holding the fence), then the row locked
      // for share, which reads its newest version: every write of an older token is in it or refused.
      const rows = await query(
        db,
        'EventStore.getSignal',
        `WITH f AS (${upsertFence(t)} SELECT agent_id, $2::bigint FROM ${t.signals} WHERE id = $1 ${onFenceConflict} RETURNING fencing_token AS seen)
         SELECT ${signalColumns}, (SELECT seen FROM f) AS seen FROM ${t.signals} WHERE id = $1 AND (SELECT seen FROM f) IS NOT NULL FOR SHARE`,
        [id, token],
      );
      if (!rows[0]) return undefined;
      staleUnless(rows[0]['seen'] as string, token, id);
      return signalFromRow(rows[0]);
    },

    async listOpenSignals({ limit } = {}) {
      const rows = await query(db, 'EventStore.listOpenSignals', `${selectSignal} WHERE success IS NULL ORDER BY deadline, seq LIMIT $1`, [limit ?? null]);
      return rows.map(signalFromRow);
    },

    async listSignals({ since, agentId, instanceId, limit }) {
      const rows = await query(
        db,
        'EventStore.listSignals',
        `${selectSignal} WHERE detected_at >= ${fromMs('$1')} AND ($2::text IS NULL OR agent_id = $2) AND ($4::text IS NULL OR instance_id = $4)
         ORDER BY detected_at DESC, seq LIMIT $3`,
        [since, agentId ?? null, limit ?? null, instanceId ?? null],
      );
      return rows.map(signalFromRow);
    },

    async countInterruptions(poolId, since) {
      const rows = await query<{ n: string }>(
        db,
        'EventStore.countInterruptions',
        `SELECT count(*) AS n FROM ${t.signals}
         WHERE pool_id = $1 AND signal_type = 'termination-notice' AND detected_at >= ${fromMs('$2')}`,
        [poolId, since],
      );
      return num(rows[0]?.n ?? 0);
    },

    async interruptionsByHour(poolId, since) {
      // The hour from the epoch, as the in-memory store computes it: no time zone setting can shift it.
      const rows = await query<{ h: string; n: string }>(
        db,
        'EventStore.interruptionsByHour',
        `SELECT (floor(extract(epoch from detected_at) / 3600)::bigint % 24) AS h, count(*) AS n FROM ${t.signals}
         WHERE pool_id = $1 AND signal_type = 'termination-notice' AND detected_at >= ${fromMs('$2')}
         GROUP BY 1`,
        [poolId, since],
      );
      const byHour = new Array<number>(24).fill(0);
      for (const r of rows) byHour[(num(r.h) + 24) % 24] = num(r.n);
      return byHour;
    },

    async failoverStats(since, { signalType } = {}) {
      return failoverStatsRow((await query(db, 'EventStore.failoverStats', monitoring.failoverPerformance, [since, signalType ?? null]))[0]);
    },

    async appendSystemEvent(event) {
      await query(
        db,
        'EventStore.appendSystemEvent',
        `INSERT INTO ${t.systemEvents} (event_type, agent_id, created_at, payload) VALUES ($1, $2, ${fromMs('$3')}, $4)`,
        [event.eventType, event.agentId, event.createdAt, JSON.stringify(event.payload)],
      );
    },

    async systemEvents({ since, agentId, typePrefix, limit }) {
      const rows = await query(
        db,
        'EventStore.systemEvents',
        `SELECT event_type, agent_id, ${toMs('created_at')} AS created_at, payload FROM ${t.systemEvents}
         WHERE created_at >= ${fromMs('$1')} AND ($2::text IS NULL OR agent_id = $2) AND ($3::text IS NULL OR event_type LIKE $3)
         ORDER BY created_at DESC, id DESC LIMIT $4`,
        [since, agentId ?? null, typePrefix === undefined ? null : likePrefix(typePrefix), limit ?? null],
      );
      return rows.map(systemFromRow);
    },
  };
}
