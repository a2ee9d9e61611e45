import type { Clock, PriceFeed } from '@sef/core';
import type { Log } from './log.js';

/** A report as `POST /api/agents/{id}/pricing` takes it (timestamp in unix seconds). */
export interface PriceReport {
  readonly instanceId: string;
  readonly poolId: string;
  readonly timestamp: number;
  readonly price: number;
}

export interface PriceSamplerOptions {
  readonly feed: PriceFeed;
  readonly pools: readonly string[];
  readonly instanceId: string;
  readonly clock: Clock;
  readonly log: Log;
  /** Called with each grid point's batch (one report per pool that has a price). */
  readonly report: (reports: PriceReport[]) => Promise<void>;
  /** Spacing of the sampling grid (ms). @default 300000 */
  readonly gridMs?: number;
}

/** The prices of every pool at grid time `t` (ms): the step function's value, the last change at or before `t`. */
export async function sampleAt(feed: PriceFeed, pools: readonly string[], instanceId: string, t: number, log: Log): Promise<PriceReport[]> {
  const reports: PriceReport[] = [];
  for (const poolId of pools) {
    try {
      const changes = await feed.priceHistory(poolId, t - 3_600_000, t);
      const last = changes.filter((c) => c.time <= t).at(-1);
      if (last) reports.push({ instanceId, poolId, timestamp: t / 1000, price: last.price });
      else log.warn('no price for the pool at this grid point', { poolId, timestamp: t / 1000 });
    } catch (error) {
      log.warn('price feed failed; this grid point is skipped for the pool', { poolId, error: String(error) });
    }
  }
  return reports;
}

/**
 * Samples the pools on the grid (multiples of `gridMs` since the epoch): the latest grid point at once,
 * then each following one, and hands each batch to `report`. Returns a stop function that resolves once
 * a sample already being taken has been handed to `report` (a sample taken is never dropped on stop).
 * @example
 * const stop = startPriceSampler({ feed, pools: ['us-east-1a:c5.large'], instanceId, clock, log, report: send });
 */
export function startPriceSampler(options: PriceSamplerOptions): () => Promise<void> {
  const { feed, pools, instanceId, clock, log, report } = options;
  const grid = options.gridMs ?? 300_000;
  let stopped = false;
  let timer: { cancel(): void } | undefined;
  // Samples run one after another in grid order; the timer for the next point is set before the current
  // sample is taken, so a slow feed or a slow spool never delays the grid.
  let chain: Promise<void> = Promise.resolve();
  const sample = (t: number) => {
    chain = chain.then(async () => {
      if (stopped) return;
      const batch = await sampleAt(feed, pools, instanceId, t, log);
      if (batch.length > 0) await report(batch).catch((error: unknown) => log.error('could not report prices', { error: String(error) }));
    });
  };
  // The next point follows the last one scheduled, not "now": a paused process catches up on the points
  // it missed instead of skipping them.
  const schedule = (t: number) => {
    if (stopped) return;
    const next = t + grid;
    timer = clock.setTimer(Math.max(0, next - clock.now()), () => {
      sample(next);
      schedule(next);
    });
  };
  const first = Math.floor(clock.now() / grid) * grid;
  sample(first);
  schedule(first);
  return async () => {
    stopped = true;
    timer?.cancel();
    await chain;
  };
}
