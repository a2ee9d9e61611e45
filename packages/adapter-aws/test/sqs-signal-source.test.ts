import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { InterruptionEventRecord, InterruptionSignal } from '@sef/core';
import { createFakeClock } from '@sef/core';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSqsSignalSource, recordedInEventStore, type SqsSignalSourceOptions } from '../src/index.js';
import { awsError } from './aws-errors.js';
import { interruptionWarning, rebalanceRecommendation } from './eventbridge-events.js';

const sqs = mockClient(SQSClient);
const queueUrl = 'https://sqs.us-east-2.amazonaws.com/123456789012/sef-ec2-notices';
const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 5000, interval: 5 });
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
  sqs.reset();
});

const message = (id: string, body: string): Message => ({ MessageId: id, ReceiptHandle: `rh-${id}`, Body: body });
const agents: Record<string, string> = { 'i-known': 'agent-1' };

/** The queue hands out `batches` once each, then long-polls empty (a short real wait, like SQS). */
function run(batches: Message[][], options: Partial<SqsSignalSourceOptions> = {}, handler?: (s: InterruptionSignal) => Promise<void>) {
  let i = 0;
  sqs.on(ReceiveMessageCommand).callsFake(async () => {
    const batch = batches[i++];
    if (batch) return { Messages: batch };
    await new Promise((r) => setTimeout(r, 5));
    return {};
  });
  sqs.on(DeleteMessageBatchCommand).callsFake(async (input: { Entries: { Id: string }[] }) => ({ Successful: input.Entries.map((e) => ({ Id: e.Id })), Failed: [] }));
  const signals: InterruptionSignal[] = [];
  const errors: unknown[] = [];
  const stop = createSqsSignalSource({
    client: new SQSClient({ region: 'us-east-2' }),
    queueUrl,
    resolveAgent: async (id) => agents[id],
    ...options,
  }).start(handler ?? (async (s) => void signals.push(s)), (e) => errors.push(e));
  stops.push(stop);
  return { signals, errors, stop, received: () => i };
}
const deletedHandles = () => sqs.commandCalls(DeleteMessageBatchCommand).flatMap((c) => c.args[0].input.Entries!.map((e) => e.ReceiptHandle));

describe('SQS (EventBridge) signal source', () => {
  it('maps an interruption warning to a termination notice for the agent, two minutes ahead, and deletes it after the handler resolved', async () => {
    let deletesWhileHandling = -1;
    const signals: InterruptionSignal[] = [];
    run([[message('m1', interruptionWarning('i-known', '2026-01-01T12:00:00Z'))]], {}, async (s) => {
      deletesWhileHandling = sqs.commandCalls(DeleteMessageBatchCommand).length;
      signals.push(s);
    });
    await waitFor(() => expect(deletedHandles()).toEqual(['rh-m1']));
    expect(deletesWhileHandling).toBe(0);
    expect(signals).toEqual([{
      type: 'termination-notice', instanceId: 'i-known', agentId: 'agent-1', source: 'eventbridge',
      noticeTime: Date.UTC(2026, 0, 1, 12), actionTime: Date.UTC(2026, 0, 1, 12, 2), action: 'terminate',
    }]);
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]!.args[0].input).toEqual({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 20, VisibilityTimeout: 30, MessageSystemAttributeNames: ['ApproximateReceiveCount'] });
    expect(sqs.commandCalls(DeleteMessageBatchCommand)[0]!.args[0].input).toEqual({ QueueUrl: queueUrl, Entries: [{ Id: '0', ReceiptHandle: 'rh-m1' }] });
  });

  it('a rebalance recommendation has no action; a hibernate warning has no two-minute lead', async () => {
    const t = run([[
      message('m1', rebalanceRecommendation('i-known', '2026-01-01T12:00:00Z')),
      message('m2', interruptionWarning('i-known', '2026-01-01T12:05:00Z', 'hibernate')),
    ]]);
    await waitFor(() => expect(t.signals).toHaveLength(2));
    expect(t.signals[0]).toEqual({ type: 'rebalance-recommendation', instanceId: 'i-known', agentId: 'agent-1', source: 'eventbridge', noticeTime: Date.UTC(2026, 0, 1, 12) });
    expect(t.signals[1]).toMatchObject({ action: 'hibernate', noticeTime: Date.UTC(2026, 0, 1, 12, 5), actionTime: Date.UTC(2026, 0, 1, 12, 5) });
  });

  it('messages for instances SEF does not know are left for their owner, or deleted when configured so', async () => {
    const left = run([[message('m1', interruptionWarning('i-stranger', '2026-01-01T12:00:00Z'))]]);
    await waitFor(() => expect(left.received()).toBeGreaterThan(2));
    expect(left.signals).toEqual([]);
    expect(deletedHandles()).toEqual([]);
    await left.stop();
    sqs.reset();

    const deleted = run([[message('m2', interruptionWarning('i-stranger', '2026-01-01T12:00:00Z'))]], { deleteUnknown: true });
    await waitFor(() => expect(deletedHandles()).toEqual(['rh-m2']));
    expect(deleted.signals).toEqual([]);
  });

  it('a handler that fails leaves the message in the queue (it comes back after its visibility timeout)', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const t = run([[message('m1', rebalanceRecommendation('i-known', '2026-01-01T12:00:00Z')), message('m2', rebalanceRecommendation('i-known', '2026-01-01T12:01:00Z'))]], {},
      async () => {
        if (++calls === 1) throw new Error('event store down');
      });
    await waitFor(() => expect(deletedHandles()).toEqual(['rh-m2']));
    errors.push(...t.errors);
    expect(errors).toHaveLength(1);
  });

  it('a notice the agent already reported is deleted without calling the handler again', async () => {
    const recorded: InterruptionEventRecord[] = [{
      id: 'e1', agentId: 'agent-1', instanceId: 'i-known', poolId: 'us-east-2a:c5.large', signalType: 'termination-notice',
      instanceRole: 'primary', detectedAt: Date.UTC(2026, 0, 1, 12, 0, 3), noticeTime: Date.UTC(2026, 0, 1, 12, 0, 1), actionTime: null,
      deadline: Date.UTC(2026, 0, 1, 12, 2, 3), responseTimeMs: null, success: null, outcome: null, steps: [],
    }];
    const listSignals = vi.fn(async ({ since }: { since: number }) => recorded.filter((e) => e.noticeTime >= since));
    const t = run([[
      message('dup', interruptionWarning('i-known', '2026-01-01T12:00:00Z')),
      message('other-kind', rebalanceRecommendation('i-known', '2026-01-01T12:00:00Z')),
    ]], { isDuplicate: recordedInEventStore({ listSignals }, 60_000) });
    await waitFor(() => expect(deletedHandles()).toEqual(['rh-dup', 'rh-other-kind']));
    expect(t.signals.map((s) => s.type)).toEqual(['rebalance-recommendation']);
    expect(listSignals).toHaveBeenCalledWith({ since: Date.UTC(2026, 0, 1, 12) - 60_000, agentId: 'agent-1' });
  });

  it('accepts the event wrapped in an SNS notification; a body that is no EC2 notice is reported and left', async () => {
    const sns = JSON.stringify({ Type: 'Notification', MessageId: 'x', TopicArn: 'arn:aws:sns:us-east-2:123456789012:t', Message: rebalanceRecommendation('i-known', '2026-01-01T12:00:00Z') });
    const t = run([[message('sns', sns), message('junk', '{"source":"aws.s3"}')]]);
    await waitFor(() => expect(deletedHandles()).toEqual(['rh-sns']));
    expect(t.signals).toHaveLength(1);
    expect(t.errors).toHaveLength(1);
  });

  it('keeps receiving after ReceiveMessage fails for a passing reason, waiting errorDelay on the clock', async () => {
    const clock = createFakeClock(0);
    sqs.on(ReceiveMessageCommand)
      .rejectsOnce(awsError('ServiceUnavailable', { status: 503, fault: 'server' }))
      .resolvesOnce({ Messages: [message('m1', rebalanceRecommendation('i-known', '2026-01-01T12:00:00Z'))] })
      .callsFake(() => new Promise(() => {}));
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }], Failed: [] });
    const signals: InterruptionSignal[] = [];
    const errors: unknown[] = [];
    const stop = createSqsSignalSource({ client: new SQSClient({ region: 'us-east-2' }), queueUrl, resolveAgent: async (id) => agents[id], clock, errorDelay: 5000 })
      .start(async (s) => void signals.push(s), (e) => errors.push(e));
    await waitFor(() => expect(errors).toHaveLength(1));
    expect(errors[0]).toMatchObject({ code: 'PROVIDER', retryable: true });
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(1);
    await clock.advance(5000);
    await waitFor(() => expect(signals).toHaveLength(1));
    // The pending receive is abandoned through its abort signal when the source stops.
    const stopped = stop();
    await expect(Promise.race([stopped.then(() => 'stopped'), new Promise((r) => setTimeout(() => r('hung'), 1000))])).resolves.toBe('stopped');
  });
});
