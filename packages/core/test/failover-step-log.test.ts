import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../src/clock/index.js';
import { DeadlineExceededError } from '../src/errors/index.js';
import { createStepLog, errorText } from '../src/failover/steps.js';
import type { StepRecord } from '../src/ports/types.js';

// The step log every failover keeps: what it records for a step, what it saves when, and how a resumed
// run reuses the finished steps of the run it resumes.

const T0 = Date.UTC(2026, 0, 1, 12);
const live = () => new AbortController().signal;

describe('a step log records each step', () => {
  it('a step that works: its name, start, end, ok and detail, and no result when nothing is saved', async () => {
    const clock = createFakeClock(T0);
    const log = createStepLog(clock, live());
    const p = log.run('launch', (s) => clock.sleep(250, s).then(() => 'i-9'), (id) => `launched ${id}`);
    await clock.advance(250);
    await expect(p).resolves.toBe('i-9');
    expect(log.steps).toEqual([{ name: 'launch', startedAt: T0, finishedAt: T0 + 250, ok: true, detail: 'launched i-9' }]);
  });

  it('a step without a detail function has no detail', async () => {
    const log = createStepLog(createFakeClock(T0), live());
    await log.run('route', async () => 'x');
    expect(log.steps[0]).not.toHaveProperty('detail');
  });

  it('a step that fails is recorded with the error and rethrown; a thrown non-error is recorded as text', async () => {
    const clock = createFakeClock(T0);
    const log = createStepLog(clock, live());
    const boom = new RangeError('no pool');
    const p = log.run('choose_pool', (s) => clock.sleep(100, s).then(() => Promise.reject(boom)));
    const outcome = p.catch((e: unknown) => e);
    await clock.advance(100);
    expect(await outcome).toBe(boom);
    await expect(log.run('route', () => Promise.reject('refused' as unknown as Error))).rejects.toBe('refused');
    expect(log.steps).toEqual([
      { name: 'choose_pool', startedAt: T0, finishedAt: T0 + 100, ok: false, detail: 'RangeError: no pool' },
      { name: 'route', startedAt: T0 + 100, finishedAt: T0 + 100, ok: false, detail: 'refused' },
    ]);
  });

  it('a failing detail function fails the step', async () => {
    const log = createStepLog(createFakeClock(T0), live());
    await expect(log.run('route', async () => 1, () => { throw new TypeError('bad detail'); })).rejects.toThrow('bad detail');
    expect(log.steps[0]).toMatchObject({ ok: false, detail: 'TypeError: bad detail' });
  });

  it('a step gets the flow signal, and its deadline ends a step that ignores it', async () => {
    const clock = createFakeClock(T0);
    const controller = new AbortController();
    const log = createStepLog(clock, controller.signal);
    let seen: AbortSignal | undefined;
    const p = log.run('snapshot', (s) => ((seen = s), new Promise<never>(() => {})));
    const outcome = p.catch((e: unknown) => e);
    await clock.advance(40);
    expect(seen).toBe(controller.signal);
    expect(log.signal).toBe(controller.signal);
    controller.abort(new DeadlineExceededError('Deadline of 40 ms exceeded'));
    expect(await outcome).toBeInstanceOf(DeadlineExceededError);
    expect(log.steps).toEqual([{ name: 'snapshot', startedAt: T0, finishedAt: T0 + 40, ok: false, detail: 'DeadlineExceededError: Deadline of 40 ms exceeded' }]);
  });

  it('a note is a finished step of no duration, ok unless said otherwise', async () => {
    const clock = createFakeClock(T0);
    const log = createStepLog(clock, live());
    log.note('decide', 'auto-switch is off');
    await clock.advance(5);
    log.note('decide', 'lease lost', false);
    expect(log.steps).toEqual([
      { name: 'decide', startedAt: T0, finishedAt: T0, ok: true, detail: 'auto-switch is off' },
      { name: 'decide', startedAt: T0 + 5, finishedAt: T0 + 5, ok: false, detail: 'lease lost' },
    ]);
  });
});

describe('a saved step log', () => {
  it('saves each step as running before it starts; its result is kept when there is one', async () => {
    const clock = createFakeClock(T0);
    const saved: StepRecord[][] = [];
    const log = createStepLog(clock, live(), { save: async (steps) => void saved.push(steps.map((s) => ({ ...s }))) });
    await log.run('launch', async () => ({ instanceId: 'i-9' }));
    await log.run('route', async () => undefined);
    expect(saved).toEqual([
      [{ name: 'launch', startedAt: T0, finishedAt: null, ok: null }],
      [
        { name: 'launch', startedAt: T0, finishedAt: T0, ok: true, result: { instanceId: 'i-9' } },
        { name: 'route', startedAt: T0, finishedAt: null, ok: null },
      ],
    ]);
    expect(log.steps[1]).not.toHaveProperty('result');
  });

  it('a failed save stops the flow before the step runs, and the step is recorded failed', async () => {
    const log = createStepLog(createFakeClock(T0), live(), { save: () => Promise.reject(new Error('stale token')) });
    let ran = false;
    await expect(log.run('launch', async () => void (ran = true))).rejects.toThrow('stale token');
    expect(ran).toBe(false);
    expect(log.steps).toEqual([{ name: 'launch', startedAt: T0, finishedAt: T0, ok: false, detail: 'Error: stale token' }]);
  });

  it('starts fenced only when it saves and its save checks the fencing token', () => {
    const clock = createFakeClock(T0);
    const save = async () => {};
    expect(createStepLog(clock, live(), { save, fenced: true }).startsFenced).toBe(true);
    expect(createStepLog(clock, live(), { save }).startsFenced).toBe(false);
    expect(createStepLog(clock, live(), { save, fenced: false }).startsFenced).toBe(false);
    expect(createStepLog(clock, live(), { fenced: true }).startsFenced).toBe(false);
    expect(createStepLog(clock, live()).startsFenced).toBe(false);
  });
});

describe('a resumed step log', () => {
  const earlier: StepRecord[] = [
    { name: 'snapshot', startedAt: T0 - 900, finishedAt: T0 - 800, ok: true, result: 'snap-1' },
    { name: 'launch', startedAt: T0 - 800, finishedAt: T0 - 700, ok: false, detail: 'CapacityError: none' },
    { name: 'decide', startedAt: T0 - 700, finishedAt: T0 - 700, ok: true, detail: 'emergency' },
    { name: 'launch', startedAt: T0 - 700, finishedAt: T0 - 600, ok: true, result: 'i-2' },
    { name: 'route', startedAt: T0 - 600, finishedAt: null, ok: null },
  ];

  it('keeps the earlier steps; one still running was abandoned and is recorded failed now', () => {
    const log = createStepLog(createFakeClock(T0), live(), { resumeFrom: earlier });
    expect(log.steps).toEqual([
      ...earlier.slice(0, 4),
      { name: 'route', startedAt: T0 - 600, finishedAt: T0, ok: false, detail: 'abandoned: the process running it stopped or lost its lease' },
    ]);
  });

  it('the n-th run of a name reuses the n-th finished step of that name; steps past them run', async () => {
    const log = createStepLog(createFakeClock(T0), live(), { resumeFrom: earlier });
    const ran: string[] = [];
    const step = (name: string, value: string) => log.run(name, async () => (ran.push(name), value));
    await expect(step('snapshot', 'snap-new')).resolves.toBe('snap-1');
    await expect(step('launch', 'i-new')).resolves.toBe('i-2');
    await expect(step('launch', 'i-3')).resolves.toBe('i-3');
    await expect(step('route', 'routed')).resolves.toBe('routed');
    expect(ran).toEqual(['launch', 'route']);
    expect(log.steps.slice(5).map((s) => [s.name, s.ok])).toEqual([['launch', true], ['route', true]]);
  });

  it('a note the resumed run already made is not made again; a further one is', () => {
    const log = createStepLog(createFakeClock(T0), live(), { resumeFrom: earlier });
    log.note('decide', 'emergency');
    expect(log.steps).toHaveLength(5);
    log.note('decide', 'again');
    expect(log.steps).toHaveLength(6);
    expect(log.steps[5]).toMatchObject({ name: 'decide', detail: 'again', ok: true });
  });

  it('each run and each note of a name counts: the second of two finished ones is reused by the second call', async () => {
    const twice: StepRecord[] = [
      { name: 'launch', startedAt: T0 - 9, finishedAt: T0 - 8, ok: true, result: 'i-1' },
      { name: 'decide', startedAt: T0 - 8, finishedAt: T0 - 8, ok: true, detail: 'first' },
      { name: 'launch', startedAt: T0 - 8, finishedAt: T0 - 7, ok: true, result: 'i-2' },
      { name: 'decide', startedAt: T0 - 7, finishedAt: T0 - 7, ok: true, detail: 'second' },
    ];
    const log = createStepLog(createFakeClock(T0), live(), { resumeFrom: twice });
    const launch = (value: string) => log.run('launch', async () => value);
    expect([await launch('new-1'), await launch('new-2'), await launch('new-3')]).toEqual(['i-1', 'i-2', 'new-3']);
    log.note('decide', 'first');
    log.note('decide', 'second');
    expect(log.steps).toHaveLength(5);
    log.note('decide', 'third');
    expect(log.steps.slice(4).map((s) => [s.name, s.ok, s.detail])).toEqual([['launch', true, undefined], ['decide', true, 'third']]);
  });

  it('a run and a note of one name count together', async () => {
    const log = createStepLog(createFakeClock(T0), live(), { resumeFrom: [{ name: 'x', startedAt: T0 - 1, finishedAt: T0 - 1, ok: true, result: 1 }] });
    log.note('x', 'reuses the finished x');
    await expect(log.run('x', async () => 2)).resolves.toBe(2);
    expect(log.steps).toHaveLength(2);
  });
});

describe('errorText', () => {
  it('names an error by its class and message, anything else by its text', () => {
    expect(errorText(new TypeError('bad'))).toBe('TypeError: bad');
    expect(errorText(42)).toBe('42');
    expect(errorText(undefined)).toBe('undefined');
  });
});

const brief = (steps: readonly StepRecord[]) => steps.map((s) => `${s.name}:${s.ok}`);

function savingLog(resumeFrom: readonly StepRecord[] = []) {
  const clock = createFakeClock(T0);
  const saves: string[][] = [];
  const log = createStepLog(clock, live(), { resumeFrom, fenced: true, save: async (steps) => void saves.push(brief(steps)) });
  return { clock, log, saves };
}

describe('a read-only step (a decision): its start is not saved', () => {
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
