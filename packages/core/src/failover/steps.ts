import type { Clock } from '../ports/clock.js';
import type { StepRecord } from '../ports/types.js';
import { abortable } from './deadline.js';

/** Runs the named steps of a flow under one deadline signal and keeps their record. */
export interface StepLog {
  readonly steps: readonly StepRecord[];
  readonly signal: AbortSignal;
  /** Runs `fn` as step `name`; a failure (or the deadline) is recorded and rethrown. */
  run<T>(name: string, fn: (signal: AbortSignal) => Promise<T>, detail?: (value: T) => string): Promise<T>;
  /** Records a step that did no work (a decision), with its detail. */
  note(name: string, detail: string, ok?: boolean): void;
}

export function createStepLog(clock: Clock, signal: AbortSignal): StepLog {
  const steps: StepRecord[] = [];
  return {
    steps,
    signal,
    async run(name, fn, detail) {
      const startedAt = clock.now();
      try {
        const value = await abortable(fn(signal), signal);
        const d = detail?.(value);
        steps.push({ name, startedAt, finishedAt: clock.now(), ok: true, ...(d === undefined ? {} : { detail: d }) });
        return value;
      } catch (error) {
        steps.push({ name, startedAt, finishedAt: clock.now(), ok: false, detail: errorText(error) });
        throw error;
      }
    },
    note(name, detail, ok = true) {
      const at = clock.now();
      steps.push({ name, startedAt: at, finishedAt: at, ok, detail });
    },
  };
}

export const errorText = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
