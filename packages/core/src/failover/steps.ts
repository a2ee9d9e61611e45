import type { Clock } from '../ports/clock.js';
import type { StepRecord } from '../ports/types.js';
import { abortable } from './deadline.js';

/** Runs the named steps of a flow under one deadline signal and keeps their record. */
export interface StepLog {
  readonly steps: readonly StepRecord[];
  readonly signal: AbortSignal;
  /** True when every step but a read-only one starts right after a save that checked the flow's fencing token (`fenced`). */
  readonly startsFenced: boolean;
  /**
   * Runs `fn` as step `name`; a failure (or the deadline) is recorded and rethrown. In a resumed log, the
   * n-th run of a name that already finished as the n-th of that name returns its recorded result instead.
   */
  run<T>(name: string, fn: (signal: AbortSignal) => Promise<T>, detail?: (value: T) => string, options?: StepRunOptions): Promise<T>;
  /** Records a step that did no work (a decision), with its detail. */
  note(name: string, detail: string, ok?: boolean): void;
}

export interface StepRunOptions {
  /**
   * The step only reads (a decision): its start is not saved, only its end (with the next step's start).
   * A process that dies in it leaves nothing to resume but the step itself, which its resumption runs
   * again either way; the save it spares is a durable write on the way to the flow's first action.
   * @default false
   */
  readonly readOnly?: boolean;
}

export interface StepLogOptions {
  /**
   * The steps an earlier run of the same flow recorded: they stay in the record, and their finished steps
   * are reused rather than run again. A step still marked running was abandoned (its process went away).
   * @default []
   */
  readonly resumeFrom?: readonly StepRecord[];
  /**
   * Saves the steps before each step starts and after it ends (a failover's durable record); a failed save
   * stops the flow. Results are recorded only when this is set. A step's end is saved together with the
   * next step's start (one write, not two: nothing but decisions runs between them); the flow's last step
   * ends in the flow's completion, which saves `steps`. A process that dies between a step's end and the
   * next save leaves the step recorded as running: its resumption runs it again, as after a death in the
   * step itself (every step is idempotent). @default undefined (nothing saved)
   */
  readonly save?: (steps: readonly StepRecord[]) => Promise<void>;
  /** `save` checks the flow's fencing token (see {@link StepLog.startsFenced}). @default false */
  readonly fenced?: boolean;
}

export function createStepLog(clock: Clock, signal: AbortSignal, options: StepLogOptions = {}): StepLog {
  const { save } = options;
  const steps: StepRecord[] = (options.resumeFrom ?? []).map((s) =>
    s.ok === null ? { ...s, finishedAt: clock.now(), ok: false, detail: 'abandoned: the process running it stopped or lost its lease' } : s,
  );
  /** Finished steps of the earlier run by name, in order, and how many of each this run has reached. */
  const finished = new Map<string, StepRecord[]>();
  for (const s of steps) if (s.ok === true) finished.set(s.name, [...(finished.get(s.name) ?? []), s]);
  const reached = new Map<string, number>();

  return {
    steps,
    signal,
    startsFenced: save !== undefined && options.fenced === true,
    async run(name, fn, detail, runOptions = {}) {
      const n = reached.get(name) ?? 0;
      reached.set(name, n + 1);
      const done = finished.get(name)?.[n];
      if (done) return done.result as Awaited<ReturnType<typeof fn>>;
      const startedAt = clock.now();
      const index = steps.push({ name, startedAt, finishedAt: null, ok: null }) - 1;
      try {
        if (!runOptions.readOnly) await save?.(steps);
        const value = await abortable(fn(signal), signal);
        const d = detail?.(value);
        steps[index] = { name, startedAt, finishedAt: clock.now(), ok: true, ...(d === undefined ? {} : { detail: d }), ...(save && value !== undefined ? { result: value } : {}) };
        return value;
      } catch (error) {
        if (steps[index]?.ok === null) steps[index] = { name, startedAt, finishedAt: clock.now(), ok: false, detail: errorText(error) };
        throw error;
      }
    },
    note(name, detail, ok = true) {
      const n = reached.get(name) ?? 0;
      reached.set(name, n + 1);
      if (finished.get(name)?.[n]) return; // noted by the run this one resumes
      const at = clock.now();
      steps.push({ name, startedAt: at, finishedAt: at, ok, detail });
    },
  };
}

export const errorText = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
