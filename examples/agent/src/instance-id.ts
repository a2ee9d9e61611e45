import type { ImdsClient } from '@sef/adapter-aws';
import type { Clock } from '@sef/core';
import { createBackoff, type BackoffOptions } from './backoff.js';
import type { Log } from './log.js';

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Reads this instance's id from IMDS, waiting as long as it takes: in a real boot the agent may start
 * before IMDS answers (or before a proxy lets the token request through). Retries without a bound, with
 * jittered backoff (0.5 s growing to 30 s); says in one log line what it waits for, again only when the
 * reason changes, and once more when IMDS answers. Rejects only when `signal` aborts.
 * @example
 * const instanceId = await waitForInstanceId({ imds: createImdsClient(), clock: systemClock, log });
 */
export async function waitForInstanceId(options: { imds: ImdsClient; clock: Clock; log: Log; signal?: AbortSignal; backoff?: BackoffOptions }): Promise<string> {
  const { imds, clock, log, signal } = options;
  const backoff = createBackoff(options.backoff);
  let lastReason: string | undefined;
  for (let attempt = 1; ; attempt++) {
    let reason: string;
    try {
      const id = (await imds.get('latest/meta-data/instance-id', signal))?.trim();
      if (id) {
        if (attempt > 1) log.info('IMDS answered; instance id read', { instanceId: id, attempts: attempt });
        return id;
      }
      reason = 'IMDS has no meta-data/instance-id (404)';
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      reason = messageOf(error);
    }
    if (reason !== lastReason) log.warn(`waiting for IMDS to give this instance's id (no --instance-id given); retrying with backoff: ${reason}`);
    lastReason = reason;
    await clock.sleep(backoff.next(), signal);
  }
}
