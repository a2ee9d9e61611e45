import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../src/clock/index.js';
import { CapacityError, ProviderError, UnavailableError } from '../src/errors/index.js';
import type { CallOptions, ComputeProvider } from '../src/ports/compute-provider.js';
import { isRetryable, terminateWithRetry } from '../src/failover/terminate-retry.js';

// The terminate every cleanup, retirement and orphan sweep goes through: which refusals are tried again,
// after which waits, how many times, and that it never throws.

const T0 = Date.UTC(2026, 0, 1, 12);

/** A compute whose terminate answers from `answers` in turn (an error rejects, undefined resolves), recording each call. */
function scriptedTerminate(answers: readonly (Error | undefined | 'hang')[]) {
  const clock = createFakeClock(T0);
  const calls: { at: number; instanceId: string; options: CallOptions | undefined }[] = [];
  const compute = {
    terminate(instanceId: string, options?: CallOptions) {
      const answer = answers[calls.length];
      calls.push({ at: clock.now(), instanceId, options });
      if (answer === 'hang') return new Promise<void>(() => {});
      return answer === undefined ? Promise.resolve() : Promise.reject(answer);
    },
  } as unknown as ComputeProvider;
  return { clock, calls, deps: { compute, clock } };
}

const throttled = () => new ProviderError('RequestLimitExceeded', { retryable: true });

describe('isRetryable', () => {
  it('is true for a retryable provider refusal and an outage, false for anything else', () => {
    expect(isRetryable(throttled())).toBe(true);
    expect(isRetryable(new UnavailableError('down'))).toBe(true);
    expect(isRetryable(new ProviderError('InvalidInstanceID.Malformed'))).toBe(false);
    expect(isRetryable(new ProviderError('refused', { retryable: false }))).toBe(false);
    expect(isRetryable(new CapacityError('a1', 'none'))).toBe(false);
    expect(isRetryable(new Error('plain'))).toBe(false);
    expect(isRetryable({ retryable: true })).toBe(false);
  });
});

describe('terminateWithRetry', () => {
  it('a terminate that works is one call, with the idempotency token, and no error', async () => {
    const { deps, calls } = scriptedTerminate([undefined]);
    await expect(terminateWithRetry(deps, 'i-1', 'tok')).resolves.toEqual({ attempts: 1 });
    expect(calls).toEqual([{ at: T0, instanceId: 'i-1', options: { idempotencyToken: 'tok' } }]);
  });

  it('passes the signal on to the provider when there is one', async () => {
    const { deps, calls } = scriptedTerminate([undefined]);
    const { signal } = new AbortController();
    await terminateWithRetry(deps, 'i-1', 'tok', signal);
    expect(calls[0]?.options).toEqual({ idempotencyToken: 'tok', signal });
  });

  it('tries a retryable refusal again after 0.5 s, 2 s and 5 s, then gives up with the last error (4 calls)', async () => {
    const errors = [throttled(), new UnavailableError('down'), throttled(), throttled()];
    const { deps, calls, clock } = scriptedTerminate(errors);
    let outcome: Awaited<ReturnType<typeof terminateWithRetry>> | undefined;
    const p = terminateWithRetry(deps, 'i-1', 'tok').then((o) => (outcome = o));
    await clock.advance(20_000);
    await p;
    expect(calls.map((c) => c.at - T0)).toEqual([0, 500, 2_500, 7_500]);
    expect(calls.every((c) => c.options?.idempotencyToken === 'tok')).toBe(true);
    expect(outcome).toEqual({ attempts: 4, error: errors[3] });
  });

  it('waits no less than each delay', async () => {
    const { deps, calls, clock } = scriptedTerminate([throttled(), throttled(), throttled(), undefined]);
    const p = terminateWithRetry(deps, 'i-1', 'tok');
    await clock.advance(499);
    expect(calls).toHaveLength(1);
    await clock.advance(1);
    expect(calls).toHaveLength(2);
    await clock.advance(1_999);
    expect(calls).toHaveLength(2);
    await clock.advance(1);
    expect(calls).toHaveLength(3);
    await clock.advance(4_999);
    expect(calls).toHaveLength(3);
    await clock.advance(1);
    await expect(p).resolves.toEqual({ attempts: 4 });
  });

  it('a refusal that is not retryable ends it at once', async () => {
    const refused = new ProviderError('UnauthorizedOperation');
    const { deps, calls } = scriptedTerminate([refused]);
    await expect(terminateWithRetry(deps, 'i-1', 'tok')).resolves.toEqual({ attempts: 1, error: refused });
    expect(calls).toHaveLength(1);
  });

  it('an aborted signal ends the retries: no wait after a refusal once it has aborted', async () => {
    const controller = new AbortController();
    const { deps, calls, clock } = scriptedTerminate([throttled(), throttled()]);
    const first = throttled();
    (deps.compute as { terminate: ComputeProvider['terminate'] }).terminate = (id, options) => {
      calls.push({ at: clock.now(), instanceId: id, options });
      controller.abort(new Error('deadline'));
      return Promise.reject(first);
    };
    await expect(terminateWithRetry(deps, 'i-1', 'tok', controller.signal)).resolves.toMatchObject({ attempts: 1 });
    expect(calls).toHaveLength(1);
    expect(clock.pending()).toBe(0);
  });

  it('an abort during the wait ends it with the refusal, not the abort reason', async () => {
    const controller = new AbortController();
    const first = throttled();
    const { deps, calls, clock } = scriptedTerminate([first, undefined]);
    const p = terminateWithRetry(deps, 'i-1', 'tok', controller.signal);
    await clock.advance(100);
    controller.abort(new Error('deadline'));
    await expect(p).resolves.toEqual({ attempts: 1, error: first });
    expect(calls).toHaveLength(1);
  });

  it('a hung terminate ends when the signal aborts, with the abort reason', async () => {
    const controller = new AbortController();
    const { deps } = scriptedTerminate(['hang']);
    const p = terminateWithRetry(deps, 'i-1', 'tok', controller.signal);
    const why = new Error('deadline');
    controller.abort(why);
    await expect(p).resolves.toEqual({ attempts: 1, error: why });
  });
});
