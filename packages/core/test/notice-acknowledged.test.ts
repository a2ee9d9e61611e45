import { describe, expect, it } from 'vitest';
import { realisticLatencies } from '../src/sim/cloud.js';
import { createHarness, recordCalls, T0 } from './replica-harness.js';

describe('acknowledge, then act', () => {
  it('acceptSignal records the notice and returns before any time passes; the failover then runs in the background, its steps saved as it goes', async () => {
    const h = createHarness({ latencies: realisticLatencies });
    await h.agent('a1');
    const { created, notice } = await h.sef.acceptSignal({ ...h.cloud.signals.notice('i-a1', 'termination-notice'), agentId: 'a1' });
    expect(h.clock.now()).toBe(T0);
    expect(created).toBe(true);
    expect(notice).toMatchObject({ agentId: 'a1', instanceId: 'i-a1', instanceRole: 'primary', success: null, deadline: T0 + 120_000 });
    // The emergency path takes tens of seconds of cloud time: a step is recorded as running meanwhile.
    await h.clock.advance(5_000);
    const running = (await h.storage.events.getSignal(notice.id))!;
    expect(running.success).toBeNull();
    expect(running.steps.some((s) => s.ok === null)).toBe(true);
    expect(h.of('notice.progress').some((e) => e.noticeId === notice.id && e.steps.at(-1)?.ok === null)).toBe(true);
    await h.settle(h.sef.idle());
    expect(await h.storage.events.getSignal(notice.id)).toMatchObject({ success: true, outcome: 'emergency_recovery' });
    expect(h.of('notice.received')).toEqual([{ notice, duplicate: false }]);
  });

  it('a copy of a recorded notice is a duplicate at once, whatever its source, with the stored record', async () => {
    const h = createHarness();
    await h.agent('a1');
    const signal = { ...h.cloud.signals.notice('i-a1', 'rebalance-recommendation'), agentId: 'a1' };
    const first = await h.sef.acceptSignal(signal);
    const again = await h.sef.acceptSignal({ ...signal, source: 'eventbridge' });
    // The stored record, with the progress the first copy's failover has made meanwhile.
    expect(again).toEqual({ created: false, notice: await h.storage.events.getSignal(first.notice.id) });
    expect(again.notice).toMatchObject({ id: first.notice.id, detectedAt: first.notice.detectedAt });
    await h.settle(h.sef.idle());
  });

  it('a duplicate starts no work where it arrives: the instance that recorded the notice runs it alone (the created gate)', async () => {
    const h = createHarness({ instances: 2, latencies: realisticLatencies });
    await h.agent('a1');
    const signal = { ...h.cloud.signals.notice('i-a1', 'termination-notice'), agentId: 'a1' };
    const first = await h.sefs[0]!.acceptSignal(signal);
    await h.clock.advance(5_000);
    // sef-2 gets a copy while sef-1 is mid-way through the emergency recovery.
    expect(await h.sefs[1]!.acceptSignal(signal)).toMatchObject({ created: false, notice: { id: first.notice.id } });
    expect(await h.sefs[1]!.handleSignal(signal)).toMatchObject({ handled: false, event: { id: first.notice.id, success: null } });
    let secondIdle = false;
    void h.sefs[1]!.idle().then(() => (secondIdle = true));
    await h.clock.advance(0);
    expect(secondIdle).toBe(true);
    await h.settle(h.sefs[0]!.idle());
    expect(await h.storage.events.getSignal(first.notice.id)).toMatchObject({ success: true, outcome: 'emergency_recovery' });
    // Every step was saved by the one instance running it.
    const progress = h.of('notice.progress').filter((e) => e.noticeId === first.notice.id);
    expect(progress.length).toBeGreaterThan(0);
    expect(h.cloud.calls.filter((c) => c.method === 'launch')).toHaveLength(1);
  });

  it('a notice about the primary is acknowledged after one store call, the insert that also answers duplicates; with the agent in hand nothing is read first', async () => {
    const calls: string[] = [];
    const h = createHarness({ wrap: (_, deps) => recordCalls(deps, calls) });
    const agent = await h.agent('a1');
    const { instanceId: _, ...signal } = { ...h.cloud.signals.notice('i-a1', 'termination-notice'), agentId: 'a1' };
    const first = await h.sef.acceptSignal(signal, { agent });
    expect(calls[0]).toBe('events.recordSignal');
    await h.settle(h.sef.idle());
    calls.length = 0;
    // Without the record: one read of the agent, then the insert; a copy after the failover (another
    // primary now) is a duplicate through the same insert (the pin).
    expect(await h.sef.acceptSignal({ ...signal, source: 'eventbridge' })).toMatchObject({ created: false, notice: { id: first.notice.id } });
    expect(calls).toEqual(['agents.get', 'events.recordSignal']);
    // A record of another agent is not taken for this one.
    await h.agent('b1');
    calls.length = 0;
    await expect(h.sef.acceptSignal({ ...h.cloud.signals.notice('i-b1', 'termination-notice'), agentId: 'b1' }, { agent })).resolves.toMatchObject({ created: true, notice: { agentId: 'b1', instanceId: 'i-b1' } });
    expect(calls.slice(0, 2)).toEqual(['agents.get', 'events.recordSignal']);
    await h.settle(h.sef.idle());
  });

  it('a notice naming an instance that is neither the primary nor the replica is refused with a reason; so is an unknown agent', async () => {
    const h = createHarness();
    await h.agent('a1');
    await h.agent('b1');
    await expect(h.sef.acceptSignal({ ...h.cloud.signals.notice('i-b1', 'termination-notice'), agentId: 'a1' })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('i-b1 is neither the primary nor the replica of agent a1'),
    });
    await expect(h.sef.acceptSignal({ ...h.cloud.signals.notice('i-b1', 'termination-notice'), agentId: 'zz' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await h.storage.events.listSignals({ since: 0 })).toEqual([]);
  });
});
