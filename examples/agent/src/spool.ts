import { mkdir, open, readFile, rename, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Log } from './log.js';

/** One request waiting to be delivered to SEF. */
export interface SpoolEntry {
  readonly path: string;
  readonly body: unknown;
}

export interface SpoolOptions {
  /** Directory holding `spool.jsonl`; created when missing. */
  readonly dir: string;
  /** Most entries kept; beyond it the oldest is dropped and logged. @default 10000 */
  readonly maxEntries?: number;
  /** Acknowledged entries removed from the file in one rewrite. @default 64 */
  readonly compactEvery?: number;
  readonly log: Log;
}

/** A bounded FIFO of undelivered requests, kept in an fsync'd append-only JSON-lines file. */
export interface Spool {
  readonly size: number;
  peek(): SpoolEntry | undefined;
  /** Appends and fsyncs; resolves once the entry is on disk. */
  append(entry: SpoolEntry): Promise<void>;
  /** Removes the head (delivered or dropped). */
  shift(): Promise<void>;
  entries(): readonly SpoolEntry[];
  close(): Promise<void>;
}

/**
 * Opens (or creates) the spool in `dir`, reading back what a previous run left.
 *
 * Policy: appends are fsync'd before they resolve. Delivered entries are counted and the file is
 * rewritten (temp file, fsync, rename) every `compactEvery` removals or when the spool empties, so a
 * crash may replay up to `compactEvery - 1` delivered entries; SEF accepts a resent report or notice
 * again without changing anything. When `maxEntries` is reached the oldest entry is dropped with an
 * `error` log line naming it. A torn last line (crash mid-write) is skipped with a warning.
 * @example
 * const spool = await openSpool({ dir: '/var/lib/sef-agent', log });
 */
export async function openSpool(options: SpoolOptions): Promise<Spool> {
  const { dir, log } = options;
  const maxEntries = options.maxEntries ?? 10_000;
  const compactEvery = options.compactEvery ?? 64;
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'spool.jsonl');
  const queue: SpoolEntry[] = [];
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? '' : Promise.reject(e)));
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      queue.push(JSON.parse(line) as SpoolEntry);
    } catch {
      log.warn('spool: skipped an unreadable line (torn write)', { line: line.slice(0, 200) });
    }
  }
  let consumed = 0;
  let handle: FileHandle = await open(file, 'a');
  let chain: Promise<void> = Promise.resolve();
  const serial = (op: () => Promise<void>) => (chain = chain.then(op, op));

  const rewrite = async () => {
    await handle.close();
    const tmp = `${file}.tmp`;
    const t = await open(tmp, 'w');
    await t.writeFile(queue.map((e) => JSON.stringify(e) + '\n').join(''));
    await t.sync();
    await t.close();
    await rename(tmp, file);
    const d = await open(dir, 'r'); // the rename itself is durable only once the directory is synced
    await d.sync().finally(() => d.close());
    handle = await open(file, 'a');
    consumed = 0;
  };
  // A torn last line would glue the next append onto it: start from a clean file.
  if (text !== '' && !text.endsWith('\n')) await rewrite();
  if (queue.length > maxEntries) {
    const dropped = queue.splice(0, queue.length - maxEntries);
    for (const e of dropped) log.error('spool full: dropped the oldest report', { path: e.path, body: e.body });
    await rewrite();
  }

  return {
    get size() {
      return queue.length;
    },
    peek: () => queue[0],
    entries: () => [...queue],
    append(entry) {
      return serial(async () => {
        queue.push(entry);
        if (queue.length > maxEntries) {
          const old = queue.shift()!;
          log.error('spool full: dropped the oldest report', { path: old.path, body: old.body, maxEntries });
          await rewrite();
          return;
        }
        await handle.appendFile(JSON.stringify(entry) + '\n');
        await handle.sync();
      });
    },
    shift() {
      return serial(async () => {
        if (queue.shift() === undefined) return;
        consumed++;
        if (queue.length === 0 || consumed >= compactEvery) await rewrite();
      });
    },
    close: () => serial(() => handle.close()),
  };
}

/** Writes an empty spool (tests and `--reset-spool`). */
export const clearSpool = (dir: string) => writeFile(join(dir, 'spool.jsonl'), '');
