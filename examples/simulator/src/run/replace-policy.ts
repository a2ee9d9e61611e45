import type { FakeClock, Sef } from '@sef/core';

/** Longest the move waits for its standby to be ready before it gives up (ms). */
const readyWithinMs = 15 * 60_000;

/**
 * The `replace` policy's move on a rebalance recommendation, with SEF's manual flows: manual mode on
 * (a standby starts), wait until it is ready, switch to it (reroute, promote, terminate the old primary),
 * manual mode off (the next standby the switch started goes). A termination notice meanwhile is SEF's to
 * handle as in manual mode.
 */
export async function startReplacement(sef: Sef, agentId: string, replacing: Set<string>, clock: FakeClock): Promise<void> {
  replacing.add(agentId);
  let onReady: (() => void) | undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const listener = ({ replica }: { replica: { agentId: string } }) => replica.agentId === agentId && onReady?.();
  sef.on('replica.ready', listener);
  const timeout = clock.setTimer(readyWithinMs, () => onReady?.());
  try {
    const enabled = await sef.enableManualReplica(agentId);
    if (!enabled.replica) return;
    await ready;
    const status = await sef.replicaStatus(agentId);
    if (status.replica?.status === 'ready') await sef.manualSwitch(agentId);
  } finally {
    timeout.cancel();
    sef.off('replica.ready', listener);
    await sef.disableManualReplica(agentId).catch(() => undefined);
    replacing.delete(agentId);
  }
}
