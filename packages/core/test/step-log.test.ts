import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../src/clock/index.js';
import { createStepLog } from '../src/failover/steps.js';
import type { StepRecord } from '../src/ports/types.js';

const T0 = Date.UTC(2026, 0, 1);
const brief = (steps: readonly StepRecord[]) => steps.map((s) => `${s.name}:${s.ok}`);

function savingLog(resumeFrom: readonly StepRecord[] = []) {
  const clock = createFakeClock(T0);
  const saves: string[][] = [];
  const log = createStepLog(clock, new AbortController().signal, { resumeFrom, fenced: true, save: async (steps) => void saves.push(brief(steps)) });
  return { clock, log, saves };
}

describe('the step log of a flow', () => {
  it("saves each step's start, its end with the next one's start; a read-only step's start is not saved", async () => {
    const { log, saves } = savingLog();
    expect(await log.run('decide', async () => 'promote', (v) => v, { readOnly: true })).toBe('promote');
    expect(saves).toEqual([]);
    await log.run('promote', async () => 1);
    expect(saves).toEqual([['decide:true', 'promote:null']]);
    await log.run('reroute', async () => undefined);
    expect(saves).toEqual([['decide:true', 'promote:null'], ['decide:true', 'promote:true', 'reroute:null']]);
    expect(log.steps[0]).toMatchObject({ name: 'decide', ok: true, detail: 'promote', result: 'promote' });
    expect(log.startsFenced).toBe(true);
  });

  it('a read-only step that fails is in the record, unsaved until the next save, and rethrows', async () => {
    const { log, saves } = savingLog();
    await expect(log.run('decide', () => Promise.reject(new Error('store down')), undefined, { readOnly: true })).rejects.toThrow('store down');
    expect(saves).toEqual([]);
    expect(log.steps).toEqual([expect.objectContaining({ name: 'decide', ok: false, detail: 'Error: store down' })]);
  });

  it('a resumed log reuses a finished read-only step and runs an abandoned one again, saving nothing for it', async () => {
    const done: StepRecord = { name: 'decide', startedAt: T0, finishedAt: T0, ok: true, detail: 'promote', result: 'promote' };
    const resumed = savingLog([done]);
    let ran = 0;
    expect(await resumed.log.run('decide', async () => (ran++, 'other'), undefined, { readOnly: true })).toBe('promote');
    expect(ran).toBe(0);
    const abandoned = savingLog([{ name: 'promote', startedAt: T0, finishedAt: null, ok: null }]);
    expect(await abandoned.log.run('decide', async () => (ran++, 'again'), undefined, { readOnly: true })).toBe('again');
    expect(ran).toBe(1);
    expect(abandoned.saves).toEqual([]);
    expect(brief(abandoned.log.steps)).toEqual(['promote:false', 'decide:true']);
  });
});
