import type { Role01 } from './ops.js';

/** A report waiting for its twin; `seq` is the log entry that made it wait. */
export interface Waiting {
  readonly role: Role01;
  readonly ts: number;
  readonly price: number;
  readonly inst: string;
  readonly arrived: number;
  readonly seq: number;
}

/**
 * A pair made: report (role, ts) left with `twin`, so that the same report added again gets it back.
 * `seq` is the oldest log entry the pair needs (the twin's, or its own): replaying from there rebuilds
 * it. `call` tells the pairs of the call being decided (0 when replayed).
 */
export interface PairRecord {
  readonly role: Role01;
  readonly ts: number;
  readonly twin: Waiting;
  /** When the pair was made or last re-armed (ms). */
  readonly pairedAt: number;
  readonly seq: number;
  readonly call: number;
}

/**
 * One series: its waiting reports (by timestamp, equal ones in arrival order) and recent pairs (oldest
 * `pairedAt` first). The series of one agent are chained (`next`): an agent usually has one, and a Map
 * per agent would cost more memory than the series itself.
 */
export interface Series {
  next: Series | undefined;
  readonly agentId: string;
  readonly poolId: string;
  /** The series id as a JSON string, as decisions carry it. */
  readonly json: string;
  /** The last instance id that waited in it, and as JSON (usually the next report's). */
  inst: string;
  instJson: string;
  waiting: Waiting[];
  readonly pairs: PairRecord[];
}
