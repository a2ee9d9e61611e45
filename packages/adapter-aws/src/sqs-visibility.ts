import { ChangeMessageVisibilityBatchCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Clock, TimerHandle } from '@sef/core';
import { ProviderError } from '@sef/core';

/** Messages kept invisible to other consumers while this one works on them. */
export interface HeldMessages {
  /** Stops extending `message` (deleted, or left to come back after its visibility timeout). */
  release(message: Message): void;
  /** Releases every message and stops the heartbeat. */
  stop(): void;
}

/**
 * A visibility heartbeat: every half `visibilityTimeout` the messages still held get their visibility
 * timeout reset to `visibilityTimeout` (one ChangeMessageVisibilityBatch), so a slow handler does not
 * let SQS hand the same notice to a second consumer. A failed extension goes to `onError`.
 */
export function holdMessages(options: {
  client: SQSClient;
  queueUrl: string;
  clock: Clock;
  /** Seconds, as given to ReceiveMessage. */
  visibilityTimeout: number;
  messages: readonly Message[];
  onError: (error: unknown) => void;
}): HeldMessages {
  const { client, queueUrl, clock, visibilityTimeout, onError } = options;
  const held = new Set(options.messages);
  let timer: TimerHandle | undefined;

  const extend = async () => {
    const batch = [...held].slice(0, 10); // ReceiveMessage hands out at most 10, the batch limit
    if (batch.length === 0) return;
    try {
      const out = await client.send(new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: visibilityTimeout })),
      }));
      for (const f of out.Failed ?? []) {
        const message = batch[Number(f.Id)];
        if (message && held.has(message)) onError(new ProviderError(`SQS ChangeMessageVisibility failed for ${message.MessageId}: ${f.Code} ${f.Message ?? ''}`));
      }
    } catch (error) {
      if (held.size > 0) onError(new ProviderError('SQS ChangeMessageVisibilityBatch failed', { cause: error, retryable: true }));
    }
  };
  const schedule = () => {
    timer = clock.setTimer((visibilityTimeout * 1000) / 2, () => {
      if (held.size === 0) return;
      void extend().finally(() => {
        if (held.size > 0) schedule();
      });
    });
  };
  if (held.size > 0) schedule();

  return {
    release(message) {
      held.delete(message);
      if (held.size === 0) timer?.cancel();
    },
    stop() {
      held.clear();
      timer?.cancel();
    },
  };
}
