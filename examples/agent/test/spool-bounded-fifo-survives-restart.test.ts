import fc from 'fast-check';
import { expect, it } from 'vitest';
import { openSpool, type Spool } from '../src/spool.js';
import { captureLog, removeDir, tempDir } from './support/agent-setup.js';

const maxEntries = 5;
const compactEvery = 3;

/** The model: the queue, and what the file holds (acknowledged entries not yet compacted away, then the queue). */
interface Model { queue: number[]; file: number[]; consumed: number; dropped: number[] }
interface Real { spool: Spool; dir: string; log: ReturnType<typeof captureLog> }

const open = (r: Real) => openSpool({ dir: r.dir, maxEntries, compactEvery, log: r.log.log });
const check = (m: Model, r: Real) => {
  expect(r.spool.entries().map((e) => (e.body as { n: number }).n)).toEqual(m.queue);
  const dropped = r.log.lines.filter((l) => l['msg'] === 'spool full: dropped the oldest report').map((l) => (l['body'] as { n: number }).n);
  expect(dropped).toEqual(m.dropped);
};

class Append implements fc.AsyncCommand<Model, Real> {
  constructor(readonly n: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    await r.spool.append({ path: '/p', body: { n: this.n } });
    m.queue.push(this.n);
    if (m.queue.length > maxEntries) {
      m.dropped.push(m.queue.shift()!);
      m.file = [...m.queue];
      m.consumed = 0;
    } else m.file.push(this.n);
    check(m, r);
  }
  toString = () => `append(${this.n})`;
}
class Shift implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>) => m.queue.length > 0;
  async run(m: Model, r: Real) {
    await r.spool.shift();
    m.queue.shift();
    m.consumed++;
    if (m.queue.length === 0 || m.consumed >= compactEvery) {
      m.file = [...m.queue];
      m.consumed = 0;
    }
    check(m, r);
  }
  toString = () => 'shift';
}
/** The agent restarts: what is read back is the file, delivered-but-not-compacted entries included (SEF takes them again). */
class Reopen implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(m: Model, r: Real) {
    await r.spool.close();
    r.spool = await open(r);
    m.queue = [...m.file];
    m.consumed = 0;
    check(m, r);
  }
  toString = () => 'reopen';
}

it(`the spool is a FIFO bounded at maxEntries that drops the oldest with a log line and reads back after a restart (model-based)`, async () => {
  let next = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.commands([fc.constant(null).map(() => new Append(next++)), fc.constant(new Shift()), fc.constant(new Reopen())], { maxCommands: 40 }),
      async (cmds) => {
        const dir = await tempDir();
        const real: Real = { dir, log: captureLog(), spool: undefined as unknown as Spool };
        real.spool = await open(real);
        try {
          await fc.asyncModelRun(() => ({ model: { queue: [], file: [], consumed: 0, dropped: [] }, real }), cmds);
        } finally {
          await real.spool.close();
          await removeDir(dir);
        }
      },
    ),
    { numRuns: 40 },
  );
});

it('a torn last line (crash mid-append) is skipped with a warning; the entries before it are kept and later appends stay readable', async () => {
  const dir = await tempDir();
  const { writeFile } = await import('node:fs/promises');
  await writeFile(`${dir}/spool.jsonl`, '{"path":"/a","body":1}\n{"path":"/b","body":2}\n{"path":"/c","bo');
  const log = captureLog();
  const spool = await openSpool({ dir, log: log.log });
  expect(spool.entries()).toEqual([{ path: '/a', body: 1 }, { path: '/b', body: 2 }]);
  expect(log.lines.filter((l) => l['level'] === 'warn')).toHaveLength(1);
  await spool.append({ path: '/d', body: 4 });
  await spool.close();
  const again = await openSpool({ dir, log: log.log });
  expect(again.entries().map((e) => e.path)).toEqual(['/a', '/b', '/d']);
  await again.close();
  await removeDir(dir);
});
