import type { InterruptionSignal, SignalSource } from '@sef/core';
import type { Log } from './log.js';
import type { Reporter } from './reporter.js';
import type { SpoolEntry } from './spool.js';

/** The `POST /api/agents/{id}/interruption` request of a notice (times in unix seconds). */
export function interruptionRequest(agentId: string, signal: InterruptionSignal): SpoolEntry {
  return {
    path: `/api/agents/${encodeURIComponent(agentId)}/interruption`,
    body: {
      signal_type: signal.type,
      instanceId: signal.instanceId,
      notice_time: signal.noticeTime / 1000,
      ...(signal.actionTime !== undefined ? { action_time: signal.actionTime / 1000 } : {}),
    },
  };
}

/**
 * Forwards each notice of the IMDS watcher to SEF at once (urgent: ahead of any spooled backlog).
 * If SEF does not acknowledge it, the notice is spooled and retried with backoff by the reporter; the
 * watcher's handler resolves only when the notice is acknowledged or on disk.
 * @example
 * const stop = startNoticeForwarder({ source: createImdsSignalSource({ agentId }), agentId, reporter, log });
 */
export function startNoticeForwarder(options: { source: SignalSource; agentId: string; reporter: Reporter; log: Log }): () => Promise<void> {
  const { source, agentId, reporter, log } = options;
  return source.start(
    async (signal) => {
      log.info('interruption notice from IMDS', { type: signal.type, instanceId: signal.instanceId, noticeTime: signal.noticeTime });
      await reporter.send(interruptionRequest(agentId, signal), { urgent: true });
    },
    (error) => log.warn('IMDS watcher error', { error: String(error) }),
  );
}
