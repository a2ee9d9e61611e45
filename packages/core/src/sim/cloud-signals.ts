import type { Clock } from '../ports/clock.js';
import type { SignalSource } from '../ports/signal-source.js';
import type { InterruptionSignal, SignalType } from '../ports/types.js';

/** A {@link SignalSource} driven by hand: `deliver` hands a signal to every started handler. */
export interface SimulatedSignalSource extends SignalSource {
  /** Delivers `signal` and resolves when every handler has; handler errors go to their `onError`. */
  deliver(signal: InterruptionSignal): Promise<void>;
  /** Builds a signal issued now: a termination notice gets `actionTime` = now + `leadMs`. */
  notice(instanceId: string, type: SignalType, extra?: Partial<InterruptionSignal> & { leadMs?: number }): InterruptionSignal & { readonly instanceId: string };
}

export function createSimulatedSignalSource(clock: Clock): SimulatedSignalSource {
  const handlers = new Set<{ handler: (s: InterruptionSignal) => Promise<void>; onError?: ((e: unknown) => void) | undefined }>();
  return {
    start(handler, onError) {
      const entry = { handler, onError };
      handlers.add(entry);
      return async () => void handlers.delete(entry);
    },
    async deliver(signal) {
      await Promise.all(
        [...handlers].map(async (h) => {
          try {
            await h.handler(signal);
          } catch (error) {
            h.onError?.(error);
          }
        }),
      );
    },
    notice(instanceId, type, extra = {}) {
      const { leadMs = 120_000, ...rest } = extra;
      const now = clock.now();
      return {
        type,
        noticeTime: now,
        source: 'simulated',
        ...(type === 'termination-notice' ? { actionTime: now + leadMs, action: 'terminate' as const } : {}),
        ...rest,
        instanceId: rest.instanceId ?? instanceId,
      };
    },
  };
}
