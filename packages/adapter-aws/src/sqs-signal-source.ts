import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Clock, EventStore, InterruptionSignal, SignalSource } from '@sef/core';
import { ProviderError, systemClock } from '@sef/core';
import { parseEventBridgeNotice } from './notices.js';

export interface SqsSignalSourceOptions {
  /** An SQS client; retries and throttling follow its `retryStrategy` / `maxAttempts`. */
  readonly client: SQSClient;
  /** The queue EventBridge sends the EC2 notices to. */
  readonly queueUrl: string;
  /** The agent an instance belongs to (primary or replica), or undefined when SEF does not know it. */
  readonly resolveAgent: (instanceId: string) => Promise<string | undefined>;
  /**
   * Whether SEF already recorded this notice from another source (the agent's IMDS watcher).
   * A duplicate is deleted without calling the handler. See {@link recordedInEventStore}.
   * @default () => false
   */
  readonly isDuplicate?: (signal: InterruptionSignal) => Promise<boolean>;
  /** Delete messages about instances SEF does not know, instead of leaving them for their owner. @default false */
  readonly deleteUnknown?: boolean;
  /** Long-poll wait per ReceiveMessage (s, 0–20). @default 20 */
  readonly waitTimeSeconds?: number;
  /** Messages per ReceiveMessage (1–10). @default 10 */
  readonly maxMessages?: number;
  /** Pause after a failed ReceiveMessage, on top of the SDK's own retries (ms). @default 5000 */
  readonly errorDelay?: number;
  /** @default systemClock */
  readonly clock?: Clock;
}

/**
 * An {@link SqsSignalSourceOptions.isDuplicate} that asks the event store: a notice of the same kind for
 * the same instance whose notice time is within `toleranceMs` of this one is the same notice.
 * @example
 * createSqsSignalSource({ client, queueUrl, resolveAgent, isDuplicate: recordedInEventStore(eventStore) });
 */
export function recordedInEventStore(store: Pick<EventStore, 'listSignals'>, toleranceMs = 60_000): (signal: InterruptionSignal) => Promise<boolean> {
  return async (signal) => {
    const recent = await store.listSignals({ since: signal.noticeTime - toleranceMs, ...(signal.agentId !== undefined ? { agentId: signal.agentId } : {}) });
    return recent.some((e) => e.instanceId === signal.instanceId && e.signalType === signal.type && Math.abs(e.noticeTime - signal.noticeTime) <= toleranceMs);
  };
}

/**
 * EventBridge's "EC2 Spot Instance Interruption Warning" and "EC2 Instance Rebalance Recommendation"
 * events read from SQS: a source that works even when the agent is dead. Each message is deleted only
 * after the handler resolved (SEF recorded the signal) or the notice was found to be a duplicate; a
 * failed handler leaves it to come back after its visibility timeout. Messages about unknown instances
 * are left for their owner (or deleted with `deleteUnknown`); bodies that are not EC2 notices go to
 * `onError` and stay (a redrive policy moves them to a dead-letter queue).
 * @example
 * const stop = createSqsSignalSource({
 *   client: new SQSClient({ region: 'us-east-1' }),
 *   queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/sef-ec2-notices',
 *   resolveAgent: async (instanceId) => (await agents.findByInstance(instanceId))?.id,
 * }).start(handle, console.error);
 */
export function createSqsSignalSource(options: SqsSignalSourceOptions): SignalSource {
  const { client, queueUrl } = options;
  const clock = options.clock ?? systemClock;
  const errorDelay = options.errorDelay ?? 5000;

  return {
    start(handler, onError = () => {}) {
      const abort = new AbortController();

      /** True when the message may be deleted. */
      const handle = async (message: Message): Promise<boolean> => {
        const notice = parseEventBridgeNotice(message.Body ?? '');
        if (!notice) {
          onError(new ProviderError(`SQS message ${message.MessageId} is not an EC2 notice event`));
          return false;
        }
        const agentId = await options.resolveAgent(notice.instanceId);
        if (agentId === undefined) return options.deleteUnknown ?? false;
        const signal: InterruptionSignal = { ...notice, agentId, source: 'eventbridge' };
        if (await options.isDuplicate?.(signal)) return true;
        await handler(signal);
        return true;
      };

      // Stop must not wait out a 20 s long poll, even with a request handler that ignores the abort signal.
      const stopped = new Promise<never>((_, reject) => abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true }));
      stopped.catch(() => {});

      const receive = async () => {
        const out = await Promise.race([client.send(new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: options.maxMessages ?? 10,
          WaitTimeSeconds: options.waitTimeSeconds ?? 20,
        }), { abortSignal: abort.signal }), stopped]);
        const done: Message[] = [];
        for (const message of out.Messages ?? []) {
          try {
            if (await handle(message)) done.push(message);
          } catch (error) {
            onError(error);
          }
        }
        if (done.length === 0) return;
        const deleted = await client.send(new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }));
        for (const f of deleted.Failed ?? []) onError(new ProviderError(`SQS DeleteMessage failed for ${done[Number(f.Id)]?.MessageId}: ${f.Code} ${f.Message ?? ''}`));
      };

      const loop = (async () => {
        while (!abort.signal.aborted) {
          try {
            await receive();
          } catch (error) {
            if (abort.signal.aborted) return;
            onError(new ProviderError('SQS ReceiveMessage failed', { cause: error, retryable: true }));
            try {
              await clock.sleep(errorDelay, abort.signal);
            } catch {
              return;
            }
          }
        }
      })();

      return async () => {
        abort.abort(new Error('SQS signal source stopped'));
        await loop;
      };
    },
  };
}
