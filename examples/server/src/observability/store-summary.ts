import type { Logger } from 'pino';
import type { ServerSef } from '../sef-api.js';

interface Tally {
  verified: number;
  averaged: number;
  gapsDetected: number;
  gapsFilled: number;
  interpolated: number;
  gapsRetracted: number;
  gapsUnfillable: number;
}
const empty = (): Tally => ({ verified: 0, averaged: 0, gapsDetected: 0, gapsFilled: 0, interpolated: 0, gapsRetracted: 0, gapsUnfillable: 0 });

/**
 * One info line per stored batch instead of one per point: SEF emits a batch's merges and gaps together
 * (in one turn of the event loop), so they are counted and written as one `SEF: stored ...` line when the
 * turn ends. Nothing is written for a batch that merged nothing and found no gap.
 */
export function logStoreSummaries(sef: ServerSef, log: Logger): void {
  let tally = empty();
  let pending = false;
  const count = (update: (t: Tally) => void) => {
    update(tally);
    if (pending) return;
    pending = true;
    setImmediate(() => {
      pending = false;
      const t = tally;
      tally = empty();
      log.info({ stored: t }, `SEF: stored ${describe(t)}`);
    });
  };
  sef.on('report.merged', (e) => count((t) => void (e.flag === 'verified_dual_source' ? t.verified++ : t.averaged++)));
  sef.on('gap.detected', () => count((t) => void t.gapsDetected++));
  sef.on('gap.filled', (e) => count((t) => void ((t.gapsFilled += 1), (t.interpolated += e.points))));
  sef.on('gap.retracted', () => count((t) => void t.gapsRetracted++));
  sef.on('gap.unfillable', () => count((t) => void t.gapsUnfillable++));
}

/** `12 merged twins (10 verified_dual_source, 2 averaged_dual_source); 2 gaps detected, 1 filled with 3 interpolated points`. */
function describe(t: Tally): string {
  const parts: string[] = [];
  const merged = t.verified + t.averaged;
  if (merged > 0) parts.push(`${merged} merged twin${merged === 1 ? '' : 's'} (${t.verified} verified_dual_source, ${t.averaged} averaged_dual_source)`);
  const gaps: string[] = [];
  if (t.gapsDetected > 0) gaps.push(`${t.gapsDetected} gap${t.gapsDetected === 1 ? '' : 's'} detected`);
  if (t.gapsFilled > 0) gaps.push(`${t.gapsFilled} filled with ${t.interpolated} interpolated point${t.interpolated === 1 ? '' : 's'}`);
  if (t.gapsUnfillable > 0) gaps.push(`${t.gapsUnfillable} left open`);
  if (t.gapsRetracted > 0) gaps.push(`${t.gapsRetracted} closed by late reports`);
  if (gaps.length > 0) parts.push(gaps.join(', '));
  return parts.join('; ');
}
