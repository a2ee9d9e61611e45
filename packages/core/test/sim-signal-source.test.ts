import { createSimulatedSignalSource } from '../src/sim/cloud-signals.js';
import { systemClock } from '../src/clock/index.js';
import { runSignalSourceContract } from '../src/testing/signal-source.js';

const instanceId = 'i-sim00000000000001';

runSignalSourceContract({
  name: 'simulated',
  setup: async () => {
    const signals = createSimulatedSignalSource(systemClock);
    return {
      subject: signals,
      instanceId,
      agentId: 'agent-1',
      source: 'simulated',
      keepsTerminationNoticeTime: true,
      redeliversUnrecorded: false,
      issue: async (n) => signals.deliver(signals.notice(instanceId, n.type, {
        noticeTime: n.noticeTime,
        agentId: 'agent-1',
        ...(n.type === 'termination-notice' ? { action: n.action ?? 'terminate', actionTime: n.noticeTime + (n.action === 'hibernate' ? 0 : 120_000) } : {}),
      })),
      withdraw: async () => {},
      lookedAgain: async () => {},
      another: () => signals,
    };
  },
});
