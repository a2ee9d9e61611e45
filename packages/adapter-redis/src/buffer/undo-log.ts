import type { PairRecord, Series, Waiting } from './series.js';

/** One change of the buffer's state, with what undoing it needs. */
export type UndoStep =
  | { readonly kind: 'inserted'; readonly series: Series; readonly at: number }
  | { readonly kind: 'removed'; readonly series: Series; readonly at: number; readonly waiting: Waiting }
  | { readonly kind: 'replaced'; readonly series: Series; readonly at: number; readonly before: Waiting }
  | { readonly kind: 'paired'; readonly series: Series; readonly pair: PairRecord }
  | { readonly kind: 'pruned'; readonly series: Series; readonly before: readonly PairRecord[] }
  | { readonly kind: 'rearmed'; readonly series: Series; readonly at: number; readonly before: PairRecord; readonly after: PairRecord }
  | { readonly kind: 'created'; readonly series: Series }
  | { readonly kind: 'dropped'; readonly series: Series };

/** How the state links a series in and out of its agent's chain (the undo of `created` and `dropped`). */
export interface SeriesChain {
  place(series: Series): void;
  drop(series: Series): void;
}

/**
 * The changes of one decision round, recorded between `begin` and `end` and undone, newest first, by
 * `rollback`: the state is then exactly as it was at `begin`. Outside a round nothing is recorded.
 */
export class UndoLog {
  readonly #steps: UndoStep[] = [];
  #active = false;

  constructor(private readonly chain: SeriesChain) {}

  get active(): boolean {
    return this.#active;
  }

  begin(): void {
    this.#steps.length = 0;
    this.#active = true;
  }

  /** Ends the round, keeping its changes. */
  end(): void {
    this.#active = false;
    this.#steps.length = 0;
  }

  record(step: UndoStep): void {
    if (this.#active) this.#steps.push(step);
  }

  /** Undoes every change of the round, newest first, and ends it. */
  rollback(): void {
    for (let i = this.#steps.length - 1; i >= 0; i--) undo(this.#steps[i]!, this.chain);
    this.end();
  }
}

function undo(step: UndoStep, chain: SeriesChain): void {
  const waiting = step.series.waiting;
  switch (step.kind) {
    case 'inserted':
      waiting.splice(step.at, 1);
      break;
    case 'removed':
      waiting.splice(step.at, 0, step.waiting);
      break;
    case 'replaced':
      waiting[step.at] = step.before;
      break;
    case 'paired':
      step.series.pairs.splice(step.series.pairs.lastIndexOf(step.pair), 1);
      break;
    case 'pruned':
      step.series.pairs.splice(0, step.series.pairs.length, ...step.before);
      break;
    case 'rearmed':
      step.series.pairs.splice(step.series.pairs.lastIndexOf(step.after), 1);
      step.series.pairs.splice(step.at, 0, step.before);
      break;
    case 'created':
      chain.drop(step.series);
      break;
    case 'dropped':
      chain.place(step.series);
      break;
  }
}
