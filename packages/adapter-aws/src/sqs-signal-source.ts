import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Clock, EventStore, InterruptionSignal, SignalSource } from '@sef/core';
import { ProviderError, systemClock } from '@sef/core';
import { awsErrorCode } from './errors.js';
import { parseEc2Event, type Ec2StateChangeEvent } from './notices.js';
import { holdMessages } from './sqs-visibility.js';

/** A state change of an instance SEF knows, as handed to {@link SqsSignalSourceOptions.onStateChange}. */
export interface InstanceStateChange extends Ec2StateChangeEvent {
  readonly agentId: string;
}

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
  /**
   * Called with each "EC2 Instance State-change Notification" about an instance SEF knows (the
   * instance really is stopping, stopped, shutting down or terminated; or pending/running). The message
   * is deleted once it resolves and left to come back when it throws. Without it, state changes are
   * deleted and told to `log`: they are not interruption notices, and the core has no signal for them.
   * @default undefined
   */
  readonly onStateChange?: (change: InstanceStateChange) => Promise<void>;
  /** Told, one line each, about messages deleted without a signal (state changes nobody handles). @default no output */
  readonly log?: (line: string) => void;
  /** Delete messages about instances SEF does not know, instead of leaving them for their owner. @default false */
  readonly deleteUnknown?: boolean;
  /**
   * How many times a body that is neither an EC2 notice nor a state change is received (reported to
   * `onError` each time) before it is deleted, so it cannot come back forever on a queue without a
   * dead-letter queue. A redrive policy with a lower `maxReceiveCount` moves it first.
   * @default 5
   */
  readonly maxReceives?: number;
  /**
   * Visibility timeout asked for on ReceiveMessage (s). While a handler runs, the message's visibility
   * is extended by this much every half of it, so no other consumer gets the notice meanwhile.
   * @default 30
   */
  readonly visibilityTimeout?: number;
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

/** Errors that no retry fixes: the queue URL names no queue. */
const queueMissingCodes: ReadonlySet<string> = new Set(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'InvalidAddress']);
const isQueueMissing = (error: unknown) =>
  queueMissingCodes.has(awsErrorCode(error) ?? '') || queueMissingCodes.has(String((error as { Code?: unknown } | null)?.Code));

/**
 * EventBridge's "EC2 Spot Instance Interruption Warning" and "EC2 Instance Rebalance Recommendation"
 * events read from SQS: a source that works even when the agent is dead. Each message is deleted only
 * after the handler resolved (SEF recorded the signal) or the notice was found to be a duplicate; while
 * the handler runs its visibility is extended, and a failed handler leaves it to come back after its
 * visibility timeout. Messages about unknown instances are left for their owner (or deleted with
 * `deleteUnknown`); "EC2 Instance State-change Notification" events go to `onStateChange` (or are
 * deleted); other bodies go to `onError` and are deleted after `maxReceives` receives. A queue that does
 * not exist is reported once to `onError` (`retryable: false`) and the source stops polling.
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
  const maxReceives = options.maxReceives ?? 5;
  const visibilityTimeout = options.visibilityTimeout ?? 30;

  return {
    start(handler, onError = () => {}) {
      const abort = new AbortController();

      /** True when the message may be deleted. */
      const handle = async (message: Message): Promise<boolean> => {
        const event = parseEc2Event(message.Body ?? '');
        if (event.kind === 'unreadable') {
          const receives = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
          const last = receives >= maxReceives;
          onError(new ProviderError(`SQS message ${message.MessageId} is not an EC2 notice or state-change event (receive ${receives} of ${maxReceives}${last ? ', deleted' : ''}): ${(message.Body ?? '').slice(0, 200)}`));
          return last;
        }
        const instanceId = event.kind === 'notice' ? event.notice.instanceId : event.change.instanceId;
        const agentId = await options.resolveAgent(instanceId);
        if (agentId === undefined) return options.deleteUnknown ?? false;
        if (event.kind === 'state-change') {
          if (options.onStateChange) await options.onStateChange({ ...event.change, agentId });
          else options.log?.(`SQS: ${instanceId} (agent ${agentId}) is ${event.change.state}; state change deleted (no onStateChange)`);
          return true;
        }
        const signal: InterruptionSignal = { ...event.notice, agentId, source: 'eventbridge' };
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
          VisibilityTimeout: visibilityTimeout,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }), { abortSignal: abort.signal }), stopped]);
        const messages = out.Messages ?? [];
        const held = holdMessages({ client, queueUrl, clock, visibilityTimeout, messages, onError });
        const done: Message[] = [];
        try {
          for (const message of messages) {
            try {
              if (await handle(message)) done.push(message);
              else held.release(message);
            } catch (error) {
              held.release(message);
              onError(error);
            }
          }
          if (done.length === 0) return;
          const deleted = await client.send(new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }));
          for (const f of deleted.Failed ?? []) onError(new ProviderError(`SQS DeleteMessage failed for ${done[Number(f.Id)]?.MessageId}: ${f.Code} ${f.Message ?? ''}`));
        } finally {
          held.stop();
        }
      };

      const loop = (async () => {
        while (!abort.signal.aborted) {
          try {
            await receive();
          } catch (error) {
            if (abort.signal.aborted) return;
            if (isQueueMissing(error)) {
              onError(new ProviderError(`SQS queue ${queueUrl} does not exist (${awsErrorCode(error)}); the source stopped polling it`, { cause: error, retryable: false }));
              return;
            }
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
