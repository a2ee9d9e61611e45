import type { Redis } from 'ioredis';
import { BufferState } from './state.js';

/** Entries read per XRANGE while catching up. */
const readPage = 200;

/** A raw stream entry as XRANGE and the append script return it: id and fields. */
export type LogEntry = [string, string[]];

/**
 * This instance's copy of the buffer's log: the state every applied entry built, and the last entry applied
 * (`position`). It catches up with what other instances appended, and rebuilds from the whole log when it fell
 * behind what sweeps trimmed, or when a step failed half way (`invalidate`).
 */
export class LogCopy {
  readonly state = new BufferState();
  /** The last log entry applied to `state`; undefined until the log was (re)read. */
  position: number | undefined;

  constructor(
    private readonly client: Redis,
    private readonly keys: { readonly log: string; readonly head: string },
  ) {}

  /** Entries per page read from the log, as the append script's conflict reply also carries them. */
  static readonly pageSize = readPage;

  /** Reads the whole log if this copy is not current. */
  async ensureLoaded(): Promise<void> {
    if (this.position === undefined) await this.#guard(() => this.#reload());
  }

  /** Applies what other instances appended after `position` (`first` of it came with the conflict), up to `head`. */
  catchUp(head: number, first: readonly LogEntry[]): Promise<void> {
    return this.#guard(async () => {
      const current = head >= this.position! && this.#apply(first) && (this.position! >= head || ((await this.#readToEnd()) && this.position! >= head));
      if (!current) await this.#reload();
    });
  }

  /** After an error a step may be half applied: the next use rebuilds the copy. */
  invalidate(): void {
    this.position = undefined;
  }

  async #guard(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      this.invalidate();
      throw error;
    }
  }

  /** Applies log entries in order; false if one is missing (trimmed past this copy). */
  #apply(entries: readonly LogEntry[]): boolean {
    for (const [id, fields] of entries) {
      const seq = Number(id.slice(0, id.indexOf('-')));
      if (this.position !== undefined && seq !== this.position + 1) return false;
      this.state.applyEntry(fields[1]!, seq);
      this.position = seq;
    }
    return true;
  }

  /** Reads the log after `position` (from its start if undefined) to its end; false at a hole. */
  async #readToEnd(): Promise<boolean> {
    for (;;) {
      const from = this.position === undefined ? '-' : `(${this.position}-0`;
      const page = (await this.client.xrange(this.keys.log, from, '+', 'COUNT', readPage)) as LogEntry[];
      if (!this.#apply(page)) return false;
      if (page.length < readPage) return true;
    }
  }

  /** Rebuilds the state from the whole log (at start, or after falling behind what was trimmed). */
  async #reload(): Promise<void> {
    for (;;) {
      this.state.clear();
      this.position = undefined;
      const head = Number((await this.client.get(this.keys.head)) ?? 0);
      // A trim between two pages leaves a hole: read again from the new start.
      if (!(await this.#readToEnd())) continue;
      this.position = Math.max(this.position ?? 0, head);
      return;
    }
  }
}
