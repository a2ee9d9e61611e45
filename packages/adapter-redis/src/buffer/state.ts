import { nearerTwin, pairRearmedAt, pairStillHonoured, repeatReplaces, withinTolerance, type BufferPolicy, type SourceReport } from '@sef/core';
import { parseSeriesId, seriesId } from '../keys.js';
import { decodeEntry, pairOp, rearmOp, releaseOp, repriceOp, waitOp, type BufferOp, type Role01 } from './ops.js';
import type { PairRecord, Series, Waiting } from './series.js';
import { UndoLog } from './undo-log.js';

const role01 = (r: SourceReport): Role01 => (r.role === 'primary' ? 0 : 1);
const roleName = (role: Role01) => (role === 0 ? 'primary' : 'replica');


/**
 * The dedupe buffer's state, as every instance holds it: per series the waiting reports and the pairs made
 * recently. Pure: no I/O, time comes in as `now`.
 *
 * `decideAdd` and `decideSweep` apply the pairing rules, change the state and write each decision as a
 * JSON {@link BufferOp} (the log entry's text); `applyEntry` replays a log entry (usually another
 * instance's). Between `begin` and `commit` every change is recorded, so `rollback` restores the state
 * exactly when Redis took another instance's entry first.
 */
export class BufferState {
  /** Agent id → the first of its series. */
  private readonly byAgent = new Map<string, Series>();
  /** The changes of the decision round under way, to undo them when another instance's entry came first. */
  private readonly undo = new UndoLog({ place: (series) => this.place(series), drop: (series) => this.drop(series) });
  private countAtBegin = 0;
  private call = 0;
  /** Number of reports waiting. */
  count = 0;

  begin(): void {
    this.undo.begin();
    this.countAtBegin = this.count;
  }

  commit(): void {
    this.undo.end();
  }

  rollback(): void {
    if (!this.undo.active) return;
    this.undo.rollback();
    this.count = this.countAtBegin;
  }

  /** How the number of waiting reports changed since `begin`. */
  get countChange(): number {
    return this.count - this.countAtBegin;
  }

  /** Forgets everything (before a replay of the whole log). */
  clear(): void {
    this.byAgent.clear();
    this.undo.end();
    this.count = 0;
  }

  /** Starts deciding one `add` call: pairs it makes are its own for {@link decideAdd}'s repeat rule. */
  nextCall(): void {
    this.call++;
  }

  /**
   * Decides one incoming report: handed its earlier pair again (a repeat, which re-arms the pair; with
   * `lookup` false only a pair made by this same call, not re-armed), paired with the nearest waiting
   * twin, merged into a waiting repeat (the lower price kept), or left waiting. Pushes released reports (twin, then report) to `out` and the
   * decision as JSON to `ops`; `seq` is the log entry it goes into.
   */
  decideAdd(r: SourceReport, now: number, policy: BufferPolicy, lookup: boolean, seq: number, ops: string[], out: SourceReport[]): void {
    const role = role01(r);
    const t = r.timestamp;
    const s = this.seriesOf(r.agentId, r.poolId);
    // Newest first: a report paired again (after waiting anew) is handed its latest twin. Older pairs
    // than the first one past its windows are past theirs too; without `lookup` only this call's count.
    for (let i = s.pairs.length - 1; i >= 0; i--) {
      const p = s.pairs[i]!;
      if (lookup ? !pairStillHonoured(p.pairedAt, now, policy.windowMs) : p.call !== this.call) break;
      if (p.role === role && p.ts === t) {
        out.push(reportOf(s, p.twin), r);
        if (lookup && this.rearm(s, i, now)) ops.push(rearmOp(s.json, role, t));
        return;
      }
    }
    const list = s.waiting;
    const tol = policy.timeTolerance;
    let dup = -1;
    let twin = -1;
    let twinD = Infinity;
    // Candidates lie in [t - tol, t + tol]; the ±1 only widens the scan, the exact test is below.
    for (let i = lowerBound(list, t - tol - 1); i < list.length && list[i]!.ts <= t + tol + 1; i++) {
      const w = list[i]!;
      if (w.role === role) {
        if (w.ts === t) dup = i;
      } else {
        // The nearest twin, the earlier one on a tie (the core's rule).
        const d = Math.abs(w.ts - t);
        if (withinTolerance(d, tol) && nearerTwin(d, w.ts, twinD, twin >= 0 ? list[twin]!.ts : Infinity)) {
          twin = i;
          twinD = d;
        }
      }
    }
    if (dup >= 0) {
      // The same observation again: keep the lower price (and the first arrival), so arrival order does not matter.
      if (!repeatReplaces(r.price, list[dup]!.price)) return;
      this.reprice(s, dup, r.price, r.instanceId);
      ops.push(repriceOp(s.json, role, t, r.price, instJson(s, r.instanceId)));
    } else if (twin >= 0) {
      const w = list[twin]!;
      out.push(reportOf(s, w), r);
      this.removeAt(s, twin);
      this.pair(s, { role, ts: t, twin: w, pairedAt: now, seq: Math.min(seq, w.seq), call: this.call });
      ops.push(pairOp(s.json, role, t, w.ts));
    } else {
      this.insert(s, { role, ts: t, price: r.price, inst: r.instanceId, arrived: now, seq });
      ops.push(waitOp(s.json, role, t, r.price, instJson(s, r.instanceId)));
    }
  }

  /**
   * Releases up to `max` waiting reports that arrived at or before `now - windowMs` (pushed to `out`,
   * decisions to `ops`) and forgets pairs no repeat can ask for any more. Returns the lowest log entry
   * that still holds something alive (`seq + 1` when nothing does): the log can be trimmed before it.
   */
  decideSweep(now: number, policy: BufferPolicy, max: number, seq: number, ops: string[], out: SourceReport[]): number {
    const cutoff = now - policy.windowMs;
    let alive = seq + 1;
    for (const first of this.byAgent.values()) {
      for (let s: Series | undefined = first, next: Series | undefined; s !== undefined; s = next) {
        next = s.next;
        const list = s.waiting;
        for (let i = 0; i < list.length; ) {
          const w = list[i]!;
          if (w.arrived <= cutoff && out.length < max) {
            out.push(reportOf(s, w));
            ops.push(releaseOp(s.json, w.role, w.ts));
            this.removeAt(s, i);
          } else {
            if (w.seq < alive) alive = w.seq;
            i++;
          }
        }
        // Pairs past their windows (at this sweep's time) are forgotten.
        const pairs = s.pairs;
        let kept = 0;
        for (let j = 0; j < pairs.length; j++) {
          const p = pairs[j]!;
          if (!pairStillHonoured(p.pairedAt, now, policy.windowMs)) {
            if (kept === j && this.undo.active) this.undo.record({ kind: 'pruned', series: s, before: pairs.slice() });
            continue;
          }
          pairs[kept++] = p;
          if (p.seq < alive) alive = p.seq;
        }
        pairs.length = kept;
        if (list.length === 0 && kept === 0) this.dropRecorded(s);
      }
    }
    return alive;
  }

  /** The waiting reports that arrived at or before `now - windowMs`, left waiting. */
  expired(now: number, policy: BufferPolicy): SourceReport[] {
    const cutoff = now - policy.windowMs;
    const out: SourceReport[] = [];
    for (const first of this.byAgent.values()) {
      for (let s: Series | undefined = first; s !== undefined; s = s.next) {
        for (const w of s.waiting) if (w.arrived <= cutoff) out.push(reportOf(s, w));
      }
    }
    return out;
  }

  /** Applies log entry `seq` (its text, as `encodeEntry` wrote it), made by this or another instance. */
  applyEntry(entry: string, seq: number): void {
    let now = 0;
    for (const item of decodeEntry(entry)) {
      if (typeof item === 'number') now = item;
      else this.apply(item, now, seq);
    }
  }

  /**
   * Applies one decision of log entry `seq`, made at `now`. A decision about a report this state does not
   * hold (its entry was trimmed before this state was built, so it is long gone) changes only what it can.
   */
  private apply(op: BufferOp, now: number, seq: number): void {
    const { agentId, poolId } = parseSeriesId(op[1]);
    const s = this.seriesOf(agentId, poolId);
    switch (op[0]) {
      case 0:
        this.insert(s, { role: op[2], ts: op[3], price: op[4], inst: op[5], arrived: now, seq });
        break;
      case 1: {
        const i = indexOf(s.waiting, op[2], op[3]);
        if (i >= 0) this.reprice(s, i, op[4], op[5]);
        break;
      }
      case 2: {
        const i = indexOf(s.waiting, op[2] === 0 ? 1 : 0, op[4]);
        if (i >= 0) {
          const twin = s.waiting[i]!;
          this.removeAt(s, i);
          this.pair(s, { role: op[2], ts: op[3], twin, pairedAt: now, seq: Math.min(seq, twin.seq), call: 0 });
        }
        break;
      }
      case 3: {
        const i = indexOf(s.waiting, op[2], op[3]);
        if (i >= 0) this.removeAt(s, i);
        break;
      }
      case 4: {
        // The latest pair of the report, the one the deciding instance handed out.
        const i = s.pairs.findLastIndex((p) => p.role === op[2] && p.ts === op[3]);
        if (i >= 0) this.rearm(s, i, now);
        break;
      }
    }
    if (s.waiting.length === 0 && s.pairs.length === 0) this.dropRecorded(s);
  }

  /** The series, created (and recorded) if new. */
  private seriesOf(agentId: string, poolId: string): Series {
    for (let s = this.byAgent.get(agentId); s !== undefined; s = s.next) if (s.poolId === poolId) return s;
    const created: Series = { next: undefined, agentId, poolId, json: JSON.stringify(seriesId({ agentId, poolId })), inst: '', instJson: '""', waiting: [], pairs: [] };
    this.place(created);
    this.undo.record({ kind: 'created', series: created });
    return created;
  }

  private place(s: Series): void {
    s.next = this.byAgent.get(s.agentId);
    this.byAgent.set(s.agentId, s);
  }

  private drop(s: Series): void {
    const first = this.byAgent.get(s.agentId);
    if (first === s) {
      if (s.next === undefined) this.byAgent.delete(s.agentId);
      else this.byAgent.set(s.agentId, s.next);
      return;
    }
    for (let prev = first; prev !== undefined; prev = prev.next) {
      if (prev.next === s) {
        prev.next = s.next;
        return;
      }
    }
  }

  private dropRecorded(s: Series): void {
    this.drop(s);
    this.undo.record({ kind: 'dropped', series: s });
  }

  /** Inserts after every waiting report with the same timestamp: equal timestamps keep arrival order. */
  private insert(s: Series, w: Waiting): void {
    const list = s.waiting;
    let i = list.length;
    if (i === 0) {
      // A one-element array: a push onto an empty one reserves room for 17 (most series hold one report).
      s.waiting = [w];
    } else if (list[i - 1]!.ts > w.ts) {
      i = lowerBound(list, w.ts);
      while (i < list.length && list[i]!.ts === w.ts) i++;
      list.splice(i, 0, w);
    } else {
      list.push(w);
    }
    this.count++;
    this.undo.record({ kind: 'inserted', series: s, at: i });
  }

  private removeAt(s: Series, i: number): void {
    const list = s.waiting;
    const w = list[i]!;
    if (i === list.length - 1) list.pop();
    else list.splice(i, 1);
    this.count--;
    this.undo.record({ kind: 'removed', series: s, at: i, waiting: w });
  }

  private reprice(s: Series, i: number, price: number, inst: string): void {
    const old = s.waiting[i]!;
    s.waiting[i] = { ...old, price, inst };
    this.undo.record({ kind: 'replaced', series: s, at: i, before: old });
  }

  /**
   * Re-arms pair `i` at `now` (core's rule) and moves it last, keeping the pairs oldest first; false
   * when that changes nothing (its time is already `now` or later).
   */
  private rearm(s: Series, i: number, now: number): boolean {
    const before = s.pairs[i]!;
    const pairedAt = pairRearmedAt(before.pairedAt, now);
    if (pairedAt === before.pairedAt) return false;
    const after = { ...before, pairedAt };
    s.pairs.splice(i, 1);
    s.pairs.push(after);
    this.undo.record({ kind: 'rearmed', series: s, at: i, before, after });
    return true;
  }

  private pair(s: Series, p: PairRecord): void {
    s.pairs.push(p);
    this.undo.record({ kind: 'paired', series: s, pair: p });
  }
}

const reportOf = (s: Series, w: Waiting): SourceReport => ({
  agentId: s.agentId,
  instanceId: w.inst,
  poolId: s.poolId,
  timestamp: w.ts,
  price: w.price,
  role: roleName(w.role),
});

/** `inst` as JSON, from the series' cache when it is the instance seen last. */
function instJson(s: Series, inst: string): string {
  if (s.inst !== inst) {
    s.inst = inst;
    s.instJson = JSON.stringify(inst);
  }
  return s.instJson;
}

/** First index whose timestamp is at or after `t`. */
function lowerBound(list: readonly Waiting[], t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.ts < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function indexOf(list: readonly Waiting[], role: Role01, ts: number): number {
  for (let i = lowerBound(list, ts); i < list.length && list[i]!.ts === ts; i++) if (list[i]!.role === role) return i;
  return -1;
}
