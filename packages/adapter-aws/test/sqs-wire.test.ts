import { createHash } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { InterruptionSignal } from '@sef/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSqsSignalSource } from '../src/index.js';
import { interruptionWarning } from './eventbridge-events.js';
import { startLoopbackServer, type Recorded, type Reply } from './loopback-server.js';

// The installed @aws-sdk/client-sqs speaks AWS JSON 1.0: POST /, X-Amz-Target: AmazonSQS.<Operation>.
const json = (body: unknown): Reply => ({ headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'c3b1e0a5-req' }, body: JSON.stringify(body) });
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

let server: Awaited<ReturnType<typeof startLoopbackServer>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('SQS end to end through the SDK (loopback AWS JSON 1.0)', () => {
  it('receives the EventBridge event, hands it over, then deletes it with its receipt handle', async () => {
    const body = interruptionWarning('i-1234567890abcdef0', '2026-01-01T12:00:00Z');
    let delivered = false;
    server = await startLoopbackServer((r: Recorded) => {
      const target = String(r.headers['x-amz-target']);
      if (target === 'AmazonSQS.ReceiveMessage') {
        if (delivered) return new Promise((resolve) => setTimeout(() => resolve(json({})), 50));
        delivered = true;
        return json({ Messages: [{ MessageId: '5fea7756-0ea4-451a-a703-a558b933e274', ReceiptHandle: 'MbZj6wDWli+JvwwJaBV+3dcjk2YW2vA3+STFFljTM8tJJg6HRG6PYSasuWXPJB+Cw', MD5OfBody: md5(body), Body: body }] });
      }
      if (target === 'AmazonSQS.DeleteMessageBatch') {
        const entries = (JSON.parse(r.body) as { Entries: { Id: string }[] }).Entries;
        return json({ Successful: entries.map((e) => ({ Id: e.Id })), Failed: [] });
      }
      return { status: 400, ...json({ __type: 'com.amazonaws.sqs#InvalidAction', message: target }) };
    });
    const queueUrl = `${server.endpoint}/123456789012/sef-ec2-notices`;
    const client = new SQSClient({ region: 'us-east-2', endpoint: server.endpoint, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
    const signals: InterruptionSignal[] = [];
    const errors: unknown[] = [];
    const stop = createSqsSignalSource({ client, queueUrl, waitTimeSeconds: 1, resolveAgent: async () => 'agent-1' })
      .start(async (s) => void signals.push(s), (e) => errors.push(e));
    try {
      await vi.waitFor(() => expect(server!.requests.some((r) => r.headers['x-amz-target'] === 'AmazonSQS.DeleteMessageBatch')).toBe(true), { timeout: 3000 });
    } finally {
      await stop();
    }
    expect(errors).toEqual([]);
    expect(signals).toEqual([{
      type: 'termination-notice', instanceId: 'i-1234567890abcdef0', agentId: 'agent-1', source: 'eventbridge', action: 'terminate',
      noticeTime: Date.UTC(2026, 0, 1, 12), actionTime: Date.UTC(2026, 0, 1, 12, 2),
    }]);
    const receive = server.requests[0]!;
    expect(receive.method).toBe('POST');
    expect(receive.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(JSON.parse(receive.body)).toEqual({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 30, MessageSystemAttributeNames: ['ApproximateReceiveCount'] });
    const del = server.requests.find((r) => r.headers['x-amz-target'] === 'AmazonSQS.DeleteMessageBatch')!;
    expect(JSON.parse(del.body)).toEqual({ QueueUrl: queueUrl, Entries: [{ Id: '0', ReceiptHandle: 'MbZj6wDWli+JvwwJaBV+3dcjk2YW2vA3+STFFljTM8tJJg6HRG6PYSasuWXPJB+Cw' }] });
  });
});
