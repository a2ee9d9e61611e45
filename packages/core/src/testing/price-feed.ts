import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePoolId } from '../pools/index.js';
import type { PriceFeed } from '../ports/price-feed.js';
import { useContractSubject, type ContractOptions } from './contract.js';

/** A price feed under test, an agent to ask candidates for, and a pool with a price history. */
export interface PriceFeedFixture {
  readonly feed: PriceFeed;
  readonly agent: { readonly agentId: string; readonly region: string; readonly currentPoolId: string };
  readonly historyPool: string;
  /** The feed's "now" (ms): history windows are drawn before it. */
  readonly now: number;
}

const positive = (p: number) => Number.isFinite(p) && p > 0;

/**
 * The {@link PriceFeed} contract: candidates are distinct pools of the agent's region with a positive
 * price; a price history is a step function oldest first, inside the window plus at most the last change
 * before it (property over windows); an aborted call rejects with the signal's reason.
 * @example
 * runPriceFeedContract({ name: 'simulated', setup: async () => ({ subject: { feed, agent, historyPool, now } }) });
 */
export function runPriceFeedContract(options: ContractOptions<PriceFeedFixture>): void {
  describe(`PriceFeed contract (${options.name})`, () => {
    let f: PriceFeedFixture;
    useContractSubject(options, (subject) => (f = subject));

    it('candidates are distinct pools of the agent region, each with a positive spot price', async () => {
      const candidates = await f.feed.candidatePools(f.agent);
      expect(candidates.length).toBeGreaterThan(0);
      expect(new Set(candidates.map((c) => c.poolId)).size).toBe(candidates.length);
      for (const c of candidates) {
        expect(parsePoolId(c.poolId)?.region).toBe(f.agent.region);
        expect(positive(c.spotPrice)).toBe(true);
        if (c.onDemandPrice !== undefined) expect(positive(c.onDemandPrice)).toBe(true);
        if (c.placementScore !== undefined) expect(c.placementScore).toBeGreaterThanOrEqual(1);
      }
    });

    it('a price history is oldest first, inside the window plus at most the last change before it (property)', async () => {
      const day = 86_400_000;
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: 30 * day }), fc.integer({ min: 0, max: 3 * day }), async (ago, length) => {
          const to = f.now - ago;
          const from = to - length;
          const history = await f.feed.priceHistory(f.historyPool, from, to);
          for (const [k, p] of history.entries()) {
            expect(positive(p.price)).toBe(true);
            expect(p.time).toBeLessThanOrEqual(to);
            if (k > 0) expect(p.time).toBeGreaterThan(history[k - 1]!.time);
          }
          expect(history.filter((p) => p.time < from).length).toBeLessThanOrEqual(1);
        }),
        { numRuns: options.propertyRuns ?? 25 },
      );
    });

    it('a call whose signal is already aborted rejects with the signal reason', async () => {
      const reason = new Error('contract deadline');
      await expect(f.feed.candidatePools(f.agent, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    });
  });
}
