import type { BufferState } from './state.js';

/**
 * A call waiting for the next append. `decide` puts its decisions into `ops` (for log entry `seq`) and
 * returns, for a sweep, the lowest entry still holding something alive.
 */
export interface BufferRequest {
  readonly decide: (state: BufferState, seq: number, ops: string[]) => number | undefined;
  readonly size: number;
  readonly done: () => void;
  readonly fail: (error: unknown) => void;
}

/**
 * Group commit: calls made while an append is in flight wait, and are decided together as the next entry,
 * up to `chunkSize` reports (a larger single call is one entry). One `commit` at a time.
 */
export class GroupCommit {
  readonly #queue: BufferRequest[] = [];
  #running = false;

  constructor(
    private readonly chunkSize: number,
    private readonly commit: (group: readonly BufferRequest[]) => Promise<void>,
  ) {}

  /**
   * Queues a call made at `now`; `decide` runs once per attempt (again after a conflict) and its last result
   * is returned. Its decisions go into the entry after the time they were made at.
   */
  submit<T>(size: number, now: number, decide: (state: BufferState, seq: number, ops: string[]) => { result: T; alive?: number }, toError: (error: unknown) => unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let result: T;
      this.#queue.push({
        size,
        decide: (s, seq, ops) => {
          const mark = ops.length;
          ops.push(String(now));
          const decided = decide(s, seq, ops);
          if (ops.length === mark + 1) ops.pop();
          result = decided.result;
          return decided.alive;
        },
        done: () => resolve(result),
        fail: (error) => reject(toError(error)),
      });
      void this.#run();
    });
  }

  async #run(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      const queue = this.#queue;
      while (queue.length > 0) {
        let size = 0;
        let n = 0;
        while (n < queue.length && (n === 0 || size + queue[n]!.size <= this.chunkSize)) size += queue[n++]!.size;
        const group = queue.splice(0, n);
        try {
          await this.commit(group);
          for (const request of group) request.done();
        } catch (error) {
          for (const request of group) request.fail(error);
        }
      }
    } finally {
      this.#running = false;
    }
  }
}
