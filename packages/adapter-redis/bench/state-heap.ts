// Heap of one instance's buffer state per waiting report, printed for `pnpm bench`, which runs this in a
// fresh process (node --expose-gc): measured in the benchmark's own busy heap, earlier garbage freed during
// the measurement made the figure meaningless (it came out negative).
import { BufferState } from '../src/buffer/state.js';
import { chunk, policy, reportsOf } from './support.js';

const expose = (globalThis as { gc?: () => void }).gc;
if (expose === undefined) throw new Error('run with node --expose-gc');
/** Full collections, with time between for the sweeper threads (without it the figure came out negative). */
const gc = async () => {
  expose();
  await new Promise((resolve) => setTimeout(resolve, 200));
  expose();
};

/** 100,000 lone primaries decided straight into a BufferState, `perSeries` per series. */
async function perWaiting(perSeries: number): Promise<string> {
  const lone = reportsOf(100_000 / perSeries, perSeries).filter((r) => r.role === 'primary');
  await gc();
  const before = process.memoryUsage().heapUsed;
  const state = new BufferState();
  for (const b of chunk(lone, 1000)) {
    state.begin();
    state.nextCall();
    for (const r of b) state.decideAdd(r, 1_764_000_000_000, policy, false, 1, [], []);
    state.commit();
  }
  await gc();
  return `${((process.memoryUsage().heapUsed - before) / state.count).toFixed(1)} bytes, ${perSeries} per series`;
}

// One figure per process: the first state's garbage would be freed during the second measurement.
process.stdout.write(await perWaiting(Number(process.argv[2] ?? 10)));
