import { ConfigError, ValidationError, type BufferPolicy, type Issue, type DedupeBuffer, type SourceReport } from '@sef/core';
import type { Redis } from 'ioredis';
import { encodeEntry, unloggable } from './buffer/ops.js';
import { GroupCommit, type BufferRequest } from './buffer/group-commit.js';
import { LogCopy, type LogEntry } from './buffer/log-copy.js';
import type { BufferState } from './buffer/state.js';
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
  const copy = new LogCopy(client, keys);
  const { state } = copy;

  /** Decides a group of calls and appends their decisions as one entry (compare-and-set), again after each conflict. */
  const commit = async (group: readonly BufferRequest[]): Promise<void> => {
    for (;;) {
      await copy.ensureLoaded();
      const expected = copy.position!;
      const ops: string[] = [];
      let trim: number | undefined;
      let reply: [number, number, LogEntry[]?];
      state.begin();
      try {
        for (const request of group) {
          const alive = request.decide(state, expected + 1, ops);
          if (alive !== undefined) trim = Math.min(trim ?? alive, alive);
        }
        // Never trim the entry being appended: a call after the sweep may have made a report wait in it.
        if (trim !== undefined && ops.length > 0) trim = Math.min(trim, expected + 1);
        const entry = ops.length === 0 ? '' : encodeEntry(ops);
        reply = (await append(3, keys.log, keys.head, keys.count, expected, entry, state.countChange, trim ?? 0, ttl, LogCopy.pageSize)) as typeof reply;
      } catch (error) {
        // Whether the entry landed is unknown: if it did, the next append's conflict brings it back.
        state.rollback();
        throw error;
      }
      if (Number(reply[0]) === 1) {
        state.commit();
        copy.position = Number(reply[1]);
        return;
      }
      state.rollback();
      await copy.catchUp(Number(reply[1]), reply[2] ?? []);
    }
  };

  const calls = new GroupCommit(chunkSize, commit);
  const submit = <T>(size: number, now: number, decide: (state: BufferState, seq: number, ops: string[]) => { result: T; alive?: number }): Promise<T> =>
    calls.submit(size, now, decide, (error) => toSefError(error, 'buffer'));

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
