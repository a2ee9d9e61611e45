import type { RequestRecord } from './steady-load.js';

/** One fault of the suite: when it began, when the dependency (or the process) was back, and when the next began. */
export interface FaultPhase {
  readonly name: string;
  readonly start: number;
  readonly restored: number;
  readonly end: number;
  /** The recovery time when it is not the first 202 after `restored` (a killed server: until its replacement is ready). */
  readonly recovery?: number;
}

/** What the figures of issue 15 say about one fault (or several of one kind, summed). */
export interface PhaseFigures {
  readonly name: string;
  /** Reports answered 202 in requests sent during the phase. */
  readonly acknowledged: number;
  readonly stored: number;
  readonly lost: number;
  /** Rows beyond one for an observation acknowledged during the phase. */
  readonly duplicated: number;
  /** Requests of the phase answered 503 while the dependency was away. */
  readonly unavailable: number;
  /** From the fault to the first 503 answered (ms); null when none was (a killed process answers nothing). */
  readonly firstUnavailableMs: number | null;
  /** p99 of how long the 503s of the phase took to come back (ms); null without any. */
  readonly p99UnavailableMs: number | null;
  /** From the dependency back to the first 202 of a request sent after it; for a kill, from the kill to its replacement ready (ms; the worst of the phases). */
  readonly recoveryMs: number | null;
}

const p99 = (xs: number[]) => (xs.length === 0 ? null : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(0.99 * xs.length))]!);

/**
 * The figures of each phase from the load's request log, the stored reports (`agent|ts|role` keys) and the
 * rows per observation (`agent|ts` → rows). Phases of one name are summed (their worst times kept).
 */
export function phaseFigures(phases: readonly FaultPhase[], log: readonly RequestRecord[], stored: ReadonlySet<string>, rowsPerObservation: ReadonlyMap<string, number>): PhaseFigures[] {
  const out = new Map<string, { acknowledged: number; stored: number; duplicated: number; first: number[]; unavailable: number[]; recovery: number[] }>();
  for (const phase of phases) {
    const f = out.get(phase.name) ?? { acknowledged: 0, stored: 0, duplicated: 0, first: [], unavailable: [], recovery: [] };
    out.set(phase.name, f);
    const during = log.filter((r) => r.start >= phase.start && r.start < phase.end);
    const observations = new Set<string>();
    for (const r of during) {
      for (const key of r.acked) {
        f.acknowledged++;
        if (stored.has(key)) f.stored++;
        observations.add(key.slice(0, key.lastIndexOf('|')));
      }
    }
    for (const o of observations) f.duplicated += Math.max(0, (rowsPerObservation.get(o) ?? 0) - 1);
    const unavailable = during.filter((r) => r.status === 503 && r.start < phase.restored);
    if (unavailable.length > 0) f.first.push(Math.min(...unavailable.map((r) => r.end)) - phase.start);
    f.unavailable.push(...unavailable.map((r) => r.end - r.start));
    const back = during.filter((r) => r.status === 202 && r.start >= phase.restored);
    if (phase.recovery !== undefined) f.recovery.push(phase.recovery);
    else if (back.length > 0) f.recovery.push(Math.min(...back.map((r) => r.end)) - phase.restored);
  }
  return [...out].map(([name, f]) => ({
    name,
    acknowledged: f.acknowledged,
    stored: f.stored,
    unavailable: f.unavailable.length,
    lost: f.acknowledged - f.stored,
    duplicated: f.duplicated,
    firstUnavailableMs: f.first.length === 0 ? null : Math.max(...f.first),
    p99UnavailableMs: p99(f.unavailable),
    recoveryMs: f.recovery.length === 0 ? null : Math.max(...f.recovery),
  }));
}

/** The figures as a table for the test's output. */
export function figuresTable(figures: readonly PhaseFigures[]): string {
  const ms = (n: number | null) => (n === null ? '—' : `${Math.round(n)} ms`);
  const rows = figures.map((f) => `| ${f.name} | ${f.acknowledged} | ${f.stored} | ${f.lost} | ${f.duplicated} | ${f.unavailable} | ${ms(f.firstUnavailableMs)} | ${ms(f.p99UnavailableMs)} | ${ms(f.recoveryMs)} |`);
  return ['| fault | acknowledged | stored | lost | duplicated | 503s | first 503 after | p99 of a 503 | recovery |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |', ...rows].join('\n');
}
