import { createWorld, type Crunch, type World, type WorldEvent } from '../../src/world/world.js';
import type { WorldOptions } from '../../src/world/world-options.js';

const minuteMs = 60_000;

/** What happens in a scripted world, minutes after its start. */
export interface Script {
  /** Rebalance recommendations with no interruption after them. */
  readonly falseAlarms?: readonly number[];
  /** Crunches that reclaim every instance of the pool: the notice at `noticeAt`, the recommendation `leadMinutes` before. */
  readonly crunches?: readonly { readonly noticeAt: number; readonly leadMinutes?: number }[];
}

/**
 * A world with the given options whose only events are the script's, all in the first agent's pool: the
 * generated world's pools, prices and agents, with no crunch or false alarm of its own (every band at 0 %).
 */
export function scriptedWorld(options: WorldOptions, script: Script): World {
  const base = createWorld({ ...options, bands: [[0, 0]], bandShares: [1] });
  const poolId = base.agentPools[0]!;
  const at = (minutes: number) => base.start + Math.round(minutes * minuteMs);
  const noticeMs = base.options.noticeSeconds * 1000;
  const crunches: Crunch[] = (script.crunches ?? []).map((c, id) => {
    const noticeAt = at(c.noticeAt);
    const warned = c.leadMinutes !== undefined;
    return { id, poolId, noticeAt, actionAt: noticeAt + noticeMs, rebalanceAt: noticeAt - (c.leadMinutes ?? 0) * minuteMs, warned };
  });
  const events: WorldEvent[] = [
    ...(script.falseAlarms ?? []).map((m): WorldEvent => ({ kind: 'rebalance', at: at(m), poolId, crunch: null })),
    ...crunches.flatMap((c): WorldEvent[] => [
      ...(c.warned ? [{ kind: 'rebalance', at: c.rebalanceAt, poolId, crunch: c } as const] : []),
      { kind: 'notice', at: c.noticeAt, poolId, crunch: c },
      { kind: 'action', at: c.actionAt, poolId, crunch: c },
    ]),
  ].sort((a, b) => a.at - b.at);
  return { ...base, crunches, events, reclaims: () => true };
}
