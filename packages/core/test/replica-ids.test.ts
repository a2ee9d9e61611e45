import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './replica-harness.js';

/** Longest replica id or cause any flow may build for agent `a1` (instance and signal ids included). */
const BOUND = 100;

async function readyStandby(h: Harness) {
  await h.settle(h.sef.idle());
  const { replica } = await h.sef.status('a1');
  if (replica?.instanceId && replica.status !== 'ready') await h.sef.replicaHeartbeat('a1', replica.instanceId, 'ready');
}

const longest = async (h: Harness) => Math.max(...(await h.storage.replicas.listByAgent('a1')).flatMap((r) => [r.id.length, r.causeId.length]));

describe('replica ids stay short and flat', () => {
  it('40 manual switches in a row: the ids of the last are as long as those of the second', async () => {
    const h = createHarness();
    await h.agent('a1');
    await h.settle(h.sef.enableManualReplica('a1'));
    const lengths: number[] = [];
    for (let i = 0; i < 40; i++) {
      await readyStandby(h);
      await h.settle(h.sef.manualSwitch('a1'));
      const replicas = await h.storage.replicas.listByAgent('a1');
      lengths.push(replicas.at(-1)!.id.length);
    }
    expect(Math.max(...lengths)).toBe(lengths[1]);
    expect(await longest(h)).toBeLessThanOrEqual(BOUND);
  });

  it('any sequence of switches, termination notices (primary or replica) and toggles keeps every id and cause bounded', async () => {
    const step = fc.constantFrom('switch', 'primary_notice', 'replica_notice', 'toggle');
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), async (steps) => {
        const h = createHarness();
        await h.agent('a1');
        await h.settle(h.sef.enableManualReplica('a1'));
        for (const s of steps) {
          await readyStandby(h);
          const { agent, replica } = await h.sef.status('a1');
          if (s === 'switch') await h.settle(h.sef.manualSwitch('a1')).catch(() => undefined);
          else if (s === 'primary_notice') await h.settle(h.sef.handleSignal(h.cloud.signals.notice(agent.primaryInstanceId, 'termination-notice')));
          else if (s === 'replica_notice' && replica?.instanceId) await h.settle(h.sef.handleSignal(h.cloud.signals.notice(replica.instanceId, 'termination-notice')));
          else if (s === 'toggle') {
            await h.settle(h.sef.disableManualReplica('a1'));
            await h.settle(h.sef.enableManualReplica('a1'));
          }
          await h.clock.advance(1_000);
        }
        expect(await longest(h)).toBeLessThanOrEqual(BOUND);
      }),
      { numRuns: 40 },
    );
  });
});
