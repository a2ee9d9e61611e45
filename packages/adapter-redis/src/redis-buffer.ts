import { ConfigError, ValidationError, type BufferPolicy, type Issue, type DedupeBuffer, type SourceReport } from '@sef/core';
import type { Redis } from 'ioredis';
import { encodeEntry, unloggable } from './buffer/ops.js';
import { BufferState } from './buffer/state.js';
import { toSefError, withRedis } from './errors.js';
import { bufferKeys, resolvePrefix } from './keys.js';
import { bufferAppendScript } from './scripts/buffer-scripts.js';
import { defineScript } from './scripts/define.js';

export interface RedisBufferOptions {
  /** An ioredis client the caller owns (and closes). Without ioredis' own `keyPrefix` option. */
  readonly client: Redis;
  /** Prefix of every key; the buffer's keys are `<keyPrefix>buf:*`. Use a hash tag (`{sef}:`) on Redis Cluster. @default 'sef:' */
  readonly keyPrefix?: string | undefined;
  /**
   * Lifetime of the buffer's keys, renewed by every append to its log. A safety net for a prefix nobody
   * uses any more; it must be far longer than the window plus the sweep interval, or waiting reports
   * would vanish unreleased. @default 86_400_000 (24 h)
   */
  readonly keyTtlMs?: number;
  /**
   * Most reports decided into one log entry: `add` calls waiting while an append is in flight are decided
   * together, up to this many reports (a larger single call is one entry), and a sweep releases at most
   * this many per entry. @default 5000
   */
  readonly chunkSize?: number;
}

/**
 * A call waiting for the next append. `decide` puts its decisions into `ops` (for log entry `seq`) and
 * returns, for a sweep, the lowest entry still holding something alive.
 */
interface Request {
  readonly decide: (state: BufferState, seq: number, ops: string[]) => number | undefined;
  readonly size: number;
  readonly done: () => void;
  readonly fail: (error: unknown) => void;
}

/** Entries read per XRANGE while catching up. */
const readPage = 200;

/**
 * A {@link DedupeBuffer} shared by every SEF instance on one Redis. Each instance holds the waiting reports
 * in memory and decides pairs there; the decisions go to a log in Redis (a stream) by a compare-and-set
 * append, which succeeds only if the instance had applied every entry before it. On a conflict the
 * instance applies the entries it missed, decides again and retries, so a primary and its replica added
 * at the same moment through two instances are released exactly once, and so are expired reports under
 * several sweepers. `add` calls made while an append is in flight are decided together and appended as
 * one entry: Redis does one small script call per entry, whatever the number of reports.
 * @example
 * const client = new Redis(process.env.REDIS_URL, redisClientOptions);
 * const buffer = createRedisBuffer({ client, keyPrefix: 'sef:' });
 * const released = await buffer.add(reports, Date.now(), { timeTolerance: 30, windowMs: 300_000 });
 */
export function createRedisBuffer(options: RedisBufferOptions): DedupeBuffer {
  const { client } = options;
  const problems = optionProblems(options);
  if (problems.length > 0) throw new ConfigError(problems);
  const prefix = resolvePrefix(client, options.keyPrefix);
  const keys = bufferKeys(prefix);
  const ttl = String(options.keyTtlMs ?? 86_400_000);
  const chunkSize = options.chunkSize ?? 5000;
  const append = defineScript(client, bufferAppendScript);
  const state = new BufferState();
  /** The last log entry applied to `state`; undefined until the log was first read. */
  let position: number | undefined;
  const queue: Request[] = [];
  let running = false;

  /** Applies log entries as XRANGE returns them; false if one is missing (trimmed past this instance). */
  const applyEntries = (entries: [string, string[]][]): boolean => {
    for (const [id, fields] of entries) {
      const seq = Number(id.slice(0, id.indexOf('-')));
      if (position !== undefined && seq !== position + 1) return false;
      state.applyEntry(fields[1]!, seq);
      position = seq;
    }
    return true;
  };

  /** Reads the log after `position` (from its start if undefined) to its end; false at a hole (trimmed past it). */
  const readToEnd = async (): Promise<boolean> => {
    for (;;) {
      const from = position === undefined ? '-' : `(${position}-0`;
      const page = (await client.xrange(keys.log, from, '+', 'COUNT', readPage)) as [string, string[]][];
      if (!applyEntries(page)) return false;
      if (page.length < readPage) return true;
    }
  };

  /** Rebuilds the state from the whole log (at start, or after falling behind what was trimmed). */
  const reload = async (): Promise<void> => {
    for (;;) {
      state.clear();
      position = undefined;
      const head = Number((await client.get(keys.head)) ?? 0);
      // A trim between two pages leaves a hole: read again from the new start.
      if (!(await readToEnd())) continue;
      position = Math.max(position ?? 0, head);
      return;
    }
  };

  /** Applies what other instances appended after `position` (`first` of it came with the conflict), up to `head`. */
  const catchUp = async (head: number, first: [string, string[]][]): Promise<void> => {
    const current = head >= position! && applyEntries(first) && (position! >= head || ((await readToEnd()) && position! >= head));
    if (!current) await reload();
  };

  /** Runs a step that brings the state up to the log; after an error it may be half applied, so the next call rebuilds it. */
  const sync = async (step: () => Promise<void>): Promise<void> => {
    try {
      await step();
    } catch (error) {
      position = undefined;
      throw error;
    }
  };

  /** Decides a group of calls and appends their decisions as one entry, again after each conflict. */
  const commit = async (group: readonly Request[]): Promise<void> => {
    for (;;) {
      if (position === undefined) await sync(reload);
      const expected = position!;
      const ops: string[] = [];
      let trim: number | undefined;
      let reply: [number, number, [string, string[]][]?];
      state.begin();
      try {
        for (const request of group) {
          const alive = request.decide(state, expected + 1, ops);
          if (alive !== undefined) trim = Math.min(trim ?? alive, alive);
        }
        // Never trim the entry being appended: a call after the sweep may have made a report wait in it.
        if (trim !== undefined && ops.length > 0) trim = Math.min(trim, expected + 1);
        const entry = ops.length === 0 ? '' : encodeEntry(ops);
        reply = (await append(3, keys.log, keys.head, keys.count, expected, entry, state.countChange, trim ?? 0, ttl, readPage)) as typeof reply;
      } catch (error) {
        // Whether the entry landed is unknown: if it did, the next append's conflict brings it back.
        state.rollback();
        throw error;
      }
      if (Number(reply[0]) === 1) {
        state.commit();
        position = Number(reply[1]);
        return;
      }
      state.rollback();
      await sync(() => catchUp(Number(reply[1]), reply[2] ?? []));
    }
  };

  /** Runs the waiting calls, one append at a time, grouping what waits up to `chunkSize` reports. */
  const run = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      while (queue.length > 0) {
        let size = 0;
        let n = 0;
        while (n < queue.length && (n === 0 || size + queue[n]!.size <= chunkSize)) size += queue[n++]!.size;
        const group = queue.splice(0, n);
        try {
          await commit(group);
          for (const request of group) request.done();
        } catch (error) {
          for (const request of group) request.fail(error);
        }
      }
    } finally {
      running = false;
    }
  };

  /**
   * Queues a call made at `now`; `decide` runs once per attempt (again after a conflict) and its last
   * result is returned. Its decisions go into the entry after the time they were made at.
   */
  const submit = <T>(size: number, now: number, decide: (state: BufferState, seq: number, ops: string[]) => { result: T; alive?: number }): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      let result: T;
      queue.push({
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
        fail: (error) => reject(toSefError(error, 'buffer')),
      });
      void run();
    });

  return {
    add(reports, now, policy, addOptions) {
      if (reports.length === 0) return Promise.resolve([]);
      const issues = unloggable(reports);
      if (issues.length > 0) return Promise.reject(new ValidationError('the Redis buffer cannot hold these reports', issues));
      const lookup = addOptions?.firstDelivery !== true;
      return withRedis(client, 'buffer add', () =>
        submit(reports.length, now, (s, seq, ops) => {
          const out: SourceReport[] = [];
          s.nextCall();
          for (const r of reports) s.decideAdd(r, now, policy, lookup, seq, ops, out);
          return { result: out };
        }),
      );
    },
    releaseExpired(now, policy) {
      return withRedis(client, 'buffer sweep', async () => {
        const out: SourceReport[] = [];
        for (;;) {
          const released = await sweepOnce(now, policy);
          out.push(...released);
          if (released.length < chunkSize) return out;
        }
      });
    },
    expired(now, policy) {
      // An empty decision: the append only checks that this instance has applied every entry (catching up if not).
      return withRedis(client, 'buffer expired', () => submit(0, now, (s) => ({ result: s.expired(now, policy) })));
    },
    size() {
      return withRedis(client, 'buffer size', async () => Number((await client.get(keys.count)) ?? 0));
    },
  };

  function sweepOnce(now: number, policy: BufferPolicy): Promise<SourceReport[]> {
    return submit(chunkSize, now, (s, seq, ops) => {
      const out: SourceReport[] = [];
      const alive = s.decideSweep(now, policy, chunkSize, seq, ops, out);
      return { result: out, alive };
    });
  }
}

/** Every option out of range, named (a zero chunk would never finish a sweep; Redis needs a whole TTL). */
function optionProblems(options: RedisBufferOptions): Issue[] {
  const problems: Issue[] = [];
  const positiveInteger = (path: string, value: number | undefined) => {
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) problems.push({ path, code: 'invalid', message: `must be a positive whole number, got ${value}` });
  };
  positiveInteger('chunkSize', options.chunkSize);
  positiveInteger('keyTtlMs', options.keyTtlMs);
  return problems;
}
