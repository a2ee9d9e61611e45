import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InterruptionSignal, SignalType } from '../ports/types.js';
import type { IssuedNotice, SignalSourceContractOptions, SignalSourceSetup } from './signal-source-setup.js';

const lead = (n: IssuedNotice) => (n.action === 'hibernate' ? 0 : 120_000);
/** A whole-second notice time some minutes ago. */
const recent = (minutesAgo: number) => Math.floor(Date.now() / 1000) * 1000 - minutesAgo * 60_000;

/**
 * The {@link SignalSource} contract: a notice issued by the cloud reaches the handler once, with the
 * instance, kind, action and times it was issued with; a notice still in force is not delivered again;
 * a handler's failure goes to `onError` (and the notice comes again where the source can do that);
 * a stopped source delivers nothing and stops promptly; any sequence of notices arrives in order, each
 * once (property). Real sources run on real time, so keep `propertyRuns` small for them.
 * @example
 * runSignalSourceContract({ name: 'simulated', setup: async () => simulatedSignalSetup() });
 */
export function runSignalSourceContract(options: SignalSourceContractOptions): void {
  const timeout = options.timeoutMs ?? 10_000;
  const waitFor = (check: () => void) => vi.waitFor(check, { timeout, interval: 10 });

  describe(`SignalSource contract (${options.name})`, () => {
    let s: SignalSourceSetup;
    const stops: (() => Promise<void>)[] = [];
    beforeEach(async () => {
      s = await options.setup();
    });
    afterEach(async () => {
      while (stops.length) await stops.pop()!();
      await s.teardown?.();
    });

    /** Starts `source` with a recording handler; `fail` failures first. */
    const start = (source = s.subject, fail = 0) => {
      const signals: InterruptionSignal[] = [];
      const errors: unknown[] = [];
      let failures = fail;
      const stop = source.start(async (signal) => {
        if (failures-- > 0) throw new Error('handler failed: not recorded');
        signals.push(signal);
      }, (e) => errors.push(e));
      stops.push(stop);
      return { signals, errors, stop };
    };
    const expectDelivered = (signal: InterruptionSignal | undefined, n: IssuedNotice) => {
      expect(signal).toMatchObject({ type: n.type, instanceId: s.instanceId, source: s.source, ...(s.agentId !== undefined ? { agentId: s.agentId } : {}) });
      if (n.type === 'rebalance-recommendation') {
        expect(signal!.noticeTime).toBe(n.noticeTime);
        expect(signal!.actionTime).toBeUndefined();
        return;
      }
      expect(signal!.action).toBe(n.action);
      expect(signal!.actionTime! - signal!.noticeTime).toBe(lead(n));
      if (s.keepsTerminationNoticeTime) expect(signal!.noticeTime).toBe(n.noticeTime);
    };

    it.each(['terminate', 'stop', 'hibernate'] as const)('a termination notice (%s) arrives once with its action, and its action time two minutes after the notice (hibernate: at once)', async (action) => {
      const t = start();
      const notice: IssuedNotice = { type: 'termination-notice', noticeTime: recent(1), action };
      await s.issue(notice);
      await waitFor(() => expect(t.signals).toHaveLength(1));
      expectDelivered(t.signals[0], notice);
      await s.lookedAgain();
      expect(t.signals).toHaveLength(1);
      expect(t.errors).toEqual([]);
    });

    it('a rebalance recommendation arrives once with its notice time and no action', async () => {
      const t = start();
      const notice: IssuedNotice = { type: 'rebalance-recommendation', noticeTime: recent(2) };
      await s.issue(notice);
      await waitFor(() => expect(t.signals).toHaveLength(1));
      expectDelivered(t.signals[0], notice);
      await s.lookedAgain();
      expect(t.signals).toHaveLength(1);
    });

    it('a handler that fails is reported to onError, never thrown; the notice comes again when the source can redeliver', async () => {
      const t = start(s.subject, 1);
      await s.issue({ type: 'rebalance-recommendation', noticeTime: recent(3) });
      await waitFor(() => expect(t.errors).toHaveLength(1));
      expect((t.errors[0] as Error).message).toBe('handler failed: not recorded');
      if (s.redeliversUnrecorded) await waitFor(() => expect(t.signals).toHaveLength(1));
      else expect(t.signals).toEqual([]);
    });

    it('a stopped source delivers nothing: a source started after it sees the next notice, the stopped one never does', async () => {
      const first = start();
      await s.lookedAgain();
      await first.stop();
      const second = start(s.another());
      await s.issue({ type: 'rebalance-recommendation', noticeTime: recent(4) });
      await waitFor(() => expect(second.signals).toHaveLength(1));
      await s.lookedAgain();
      expect(first.signals).toEqual([]);
    });

    it('property: notices issued one after another arrive in that order, each once', async () => {
      const kinds = fc.constantFrom<SignalType>('rebalance-recommendation', 'termination-notice');
      await fc.assert(fc.asyncProperty(fc.array(kinds, { minLength: 1, maxLength: 4 }), async (types) => {
        const t = start();
        const issued = types.map((type, i): IssuedNotice => ({ type, noticeTime: recent(10 + i), ...(type === 'termination-notice' ? { action: 'terminate' as const } : {}) }));
        for (const [i, notice] of issued.entries()) {
          await s.issue(notice);
          await waitFor(() => expect(t.signals).toHaveLength(i + 1));
          await s.withdraw();
        }
        await s.lookedAgain();
        expect(t.signals.map((x) => x.type)).toEqual(types);
        issued.forEach((n, i) => expectDelivered(t.signals[i], n));
        await stops.pop()!();
      }), { numRuns: options.propertyRuns ?? 20 });
    });
  });
}
