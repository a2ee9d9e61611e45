import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { runSignalSourceContract } from '@sef/core/testing';
import { afterAll, beforeAll, expect, vi } from 'vitest';
import { createImdsSignalSource, createSqsSignalSource } from '../src/index.js';
import { motoCredentials, stopMotoListingLeft, startImdsMock, startMoto, type MotoServer } from '../src/testing/index.js';
import { interruptionWarning, rebalanceRecommendation } from './eventbridge-events.js';

// The core's SignalSource contract against the IMDS watcher (on the local IMDS mock) and the SQS source
// (on moto's SQS). Real HTTP, real time: short polls, a 1 s visibility timeout, few property runs.
const instanceId = 'i-0contract000000001';
const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 10 });

runSignalSourceContract({
  name: 'IMDS watcher on the IMDS mock',
  propertyRuns: 5,
  setup: async () => {
    const imds = await startImdsMock({ instanceId });
    const create = () => createImdsSignalSource({ imds: { endpoint: imds.endpoint, timeoutMs: 500 }, pollInterval: 20, agentId: 'agent-1' });
    const actionGets = () => imds.requests.filter((r) => r.path.endsWith('spot/instance-action')).length;
    const lookedAgain = async () => {
      const seen = actionGets();
      await waitFor(() => expect(actionGets()).toBeGreaterThanOrEqual(seen + 2));
    };
    return {
      subject: create(),
      instanceId,
      agentId: 'agent-1',
      source: 'imds',
      keepsTerminationNoticeTime: false,
      redeliversUnrecorded: true,
      issue: async (n) => (n.type === 'rebalance-recommendation' ? imds.recommendRebalance(n.noticeTime) : imds.interrupt(n.action)),
      withdraw: async () => {
        imds.clear();
        await lookedAgain();
      },
      lookedAgain,
      another: create,
      teardown: () => imds.close(),
    };
  },
});

let moto: MotoServer;
beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  // Issue 14: nothing SEF launched may be left running at the end of a moto suite (moto stops either way).
  expect(await stopMotoListingLeft(moto)).toEqual([]);
});
let queues = 0;

runSignalSourceContract({
  name: 'SQS source on moto',
  propertyRuns: 3,
  setup: async () => {
    const client = new SQSClient({ region: 'us-east-2', endpoint: moto.endpoint, credentials: motoCredentials });
    const queueUrl = (await client.send(new CreateQueueCommand({ QueueName: `sef-contract-${++queues}` }))).QueueUrl!;
    let receives = 0;
    const send = client.send.bind(client);
    client.send = ((command: unknown, opts?: unknown) => {
      if (command instanceof ReceiveMessageCommand) receives++;
      return send(command as never, opts as never);
    }) as typeof client.send;
    const create = () => createSqsSignalSource({
      client, queueUrl, waitTimeSeconds: 1, visibilityTimeout: 1,
      resolveAgent: async (id) => (id === instanceId ? 'agent-1' : undefined),
    });
    const lookedAgain = async () => {
      const seen = receives;
      await waitFor(() => expect(receives).toBeGreaterThanOrEqual(seen + 2));
    };
    return {
      subject: create(),
      instanceId,
      agentId: 'agent-1',
      source: 'eventbridge',
      keepsTerminationNoticeTime: true,
      redeliversUnrecorded: true,
      issue: async (n) => {
        const time = new Date(n.noticeTime).toISOString();
        const body = n.type === 'rebalance-recommendation' ? rebalanceRecommendation(instanceId, time) : interruptionWarning(instanceId, time, n.action);
        await send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
      },
      withdraw: async () => {},
      lookedAgain,
      another: create,
      teardown: async () => client.destroy(),
    };
  },
});
