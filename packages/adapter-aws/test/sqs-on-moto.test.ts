import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { InterruptionSignal } from '@sef/core';
import { createFakeClock } from '@sef/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSqsSignalSource, type InstanceStateChange, type SqsSignalSourceOptions } from '../src/index.js';
import { motoCredentials, stopMotoListingLeft, startMoto, type MotoServer } from '../src/testing/index.js';
import { interruptionWarning, stateChange } from './eventbridge-events.js';

// The SQS source against moto's SQS (real visibility timeouts, receive counts, queue errors): real time.
let moto: MotoServer;
let sqs: SQSClient;
beforeAll(async () => {
  moto = await startMoto();
  sqs = new SQSClient({ region: 'us-east-2', endpoint: moto.endpoint, credentials: motoCredentials });
});
afterAll(async () => {
  // Issue 14: nothing SEF launched may be left running at the end of a moto suite (moto stops either way).
  sqs?.destroy();
  expect(await stopMotoListingLeft(moto)).toEqual([]);
});
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
  await moto.reset();
});

const waitFor = (check: () => void | Promise<void>, timeout = 10_000) => vi.waitFor(check, { timeout, interval: 20 });
const agents: Record<string, string> = { 'i-known': 'agent-1' };
let queues = 0;
const newQueue = async () => (await sqs.send(new CreateQueueCommand({ QueueName: `sef-notices-${++queues}` }))).QueueUrl!;
const send = (queueUrl: string, body: string) => sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
/** Messages in the queue, visible or in flight. */
async function inQueue(queueUrl: string): Promise<number> {
  const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes ?? {};
  return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible);
}

/** An SQS client that counts the ReceiveMessage calls it makes (start times, ms). */
function countingClient() {
  const client = new SQSClient({ region: 'us-east-2', endpoint: moto.endpoint, credentials: motoCredentials });
  const receives: number[] = [];
  const send = client.send.bind(client);
  client.send = ((command: unknown, opts?: unknown) => {
    if (command instanceof ReceiveMessageCommand) receives.push(Date.now());
    return send(command as never, opts as never);
  }) as typeof client.send;
  stops.push(async () => client.destroy());
  return { client, receives };
}

function consumer(queueUrl: string, handler: (s: InterruptionSignal) => Promise<void>, options: Partial<SqsSignalSourceOptions> = {}) {
  const { client, receives } = countingClient();
  const errors: unknown[] = [];
  const stop = createSqsSignalSource({ client, queueUrl, waitTimeSeconds: 1, resolveAgent: async (id) => agents[id], ...options })
    .start(handler, (e) => errors.push(e));
  stops.push(stop);
  return { receives, errors, stop };
}

describe('SQS signal source on moto', () => {
  it('a handler slower than the visibility timeout keeps its message: a second consumer never handles the same notice', async () => {
    const queueUrl = await newQueue();
    await send(queueUrl, interruptionWarning('i-known', '2026-01-01T12:00:00Z'));
    const handledBy: string[] = [];
    let other: ReturnType<typeof consumer> | undefined;
    const first = consumer(queueUrl, async () => {
      handledBy.push('first');
      const receivedAt = Date.now();
      // Slow: wait until the other consumer has made two full receives after the 2 s timeout would have run out.
      await waitFor(() => expect(other!.receives.filter((t) => t > receivedAt + 2500).length).toBeGreaterThanOrEqual(3), 15_000);
    }, { visibilityTimeout: 2 });
    await waitFor(() => expect(handledBy).toEqual(['first']));
    other = consumer(queueUrl, async () => void handledBy.push('second'), { visibilityTimeout: 2 });
    await waitFor(async () => expect(await inQueue(queueUrl)).toBe(0), 15_000);
    expect(handledBy).toEqual(['first']);
    expect([...first.errors, ...other.errors]).toEqual([]);
  });

  it('state changes of known instances go to onStateChange and are deleted; without it they are deleted with a log line; unknown ones stay', async () => {
    const queueUrl = await newQueue();
    await send(queueUrl, stateChange('i-known', '2026-01-01T12:03:00Z', 'terminated'));
    const changes: InstanceStateChange[] = [];
    const signals: InterruptionSignal[] = [];
    const a = consumer(queueUrl, async (s) => void signals.push(s), { onStateChange: async (c) => void changes.push(c) });
    await waitFor(async () => expect(await inQueue(queueUrl)).toBe(0));
    expect(changes).toEqual([{ instanceId: 'i-known', agentId: 'agent-1', state: 'terminated', time: Date.UTC(2026, 0, 1, 12, 3) }]);
    expect(signals).toEqual([]);
    expect(a.errors).toEqual([]);
    await a.stop();

    // A new queue: the stopped consumer's abandoned long poll may still take a message on the old one.
    const second = await newQueue();
    const lines: string[] = [];
    await send(second, stateChange('i-known', '2026-01-01T12:04:00Z', 'stopped'));
    await send(second, stateChange('i-stranger', '2026-01-01T12:04:00Z', 'stopped'));
    const b = consumer(second, async (s) => void signals.push(s), { log: (line) => lines.push(line), visibilityTimeout: 1 });
    await waitFor(() => expect(lines).toHaveLength(1));
    expect(lines[0]).toContain('i-known (agent agent-1) is stopped');
    // The stranger's message comes back after each visibility timeout and stays for its owner.
    await waitFor(async () => expect(b.receives.length).toBeGreaterThan(4));
    expect(await inQueue(second)).toBe(1);
    expect(b.errors).toEqual([]);
  });

  it('a body that is no EC2 event is reported on each receive and deleted at the maxReceives-th', async () => {
    const queueUrl = await newQueue();
    await send(queueUrl, '{"source":"aws.s3","detail-type":"Object Created"}');
    const t = consumer(queueUrl, async () => {}, { visibilityTimeout: 1, maxReceives: 2 });
    await waitFor(async () => expect(await inQueue(queueUrl)).toBe(0));
    expect(t.errors.map((e) => (e as Error).message)).toEqual([
      expect.stringContaining('receive 1 of 2)'),
      expect.stringContaining('receive 2 of 2, deleted)'),
    ]);
  });

  it('a queue URL that names no queue is reported once as permanent, and the source stops polling', async () => {
    const clock = createFakeClock(0);
    const queueUrl = `${moto.endpoint}/123456789012/no-such-queue`;
    const t = consumer(queueUrl, async () => {}, { clock, errorDelay: 1000 });
    await waitFor(() => expect(t.errors).toHaveLength(1));
    expect(t.errors[0]).toMatchObject({ code: 'PROVIDER', retryable: false });
    expect((t.errors[0] as Error).message).toContain(`SQS queue ${queueUrl} does not exist (QueueDoesNotExist)`);
    expect(clock.pending()).toBe(0); // no retry waiting
    await clock.advance(60_000);
    await t.stop();
    expect(t.receives).toHaveLength(1);
    expect(t.errors).toHaveLength(1);
  });
});
