import { describe, expect, it } from 'vitest';
import type { RiskModel } from '../src/ports/risk-model.js';
import { createHarness, T0 } from './replica-harness.js';

const model = (name: string, score: RiskModel['score']): RiskModel => ({ name, score });

describe('external risk model', () => {
  it('with no model the heuristic scores, and risk.scored carries the three factors', async () => {
    const h = createHarness();
    await h.agent('a1', { launchedAt: T0 - 84 * 3_600_000 });
    const r = await h.sef.scoreRisk('a1');
    expect(r.source).toBe('heuristic');
    expect(r.factors.instanceAge).toBeCloseTo(0.5, 9);
    expect(r.factors.interruptionHistory).toBe(0);
    expect(r.score).toBeCloseTo(0.3 * 0.5 + 0.3 * r.factors.priceVolatility, 12);
    expect(h.of('risk.scored')).toEqual([r]);
    expect(h.of('risk.model_fallback')).toEqual([]);
    // Stored with the agent's events, for every SEF instance to read.
    expect(await h.storage.events.systemEvents({ since: 0, agentId: 'a1', typePrefix: 'risk.scored' })).toEqual([
      { eventType: 'risk.scored', agentId: 'a1', createdAt: r.at, payload: { poolId: r.poolId, score: r.score, factors: r.factors, source: 'heuristic' } },
    ]);
  });

  it('a valid answer in [0, 1] is used as the score', async () => {
    const h = createHarness({ riskModel: model('ml', async () => 0.77) });
    await h.agent('a1');
    const r = await h.sef.scoreRisk('a1');
    expect(r).toMatchObject({ score: 0.77, source: 'ml' });
  });

  for (const [what, score] of [
    ['throws', async () => { throw new Error('model down'); }],
    ['answers NaN', async () => Number.NaN],
    ['answers 1.5', async () => 1.5],
    ['answers -0.1', async () => -0.1],
    ['answers Infinity', async () => Number.POSITIVE_INFINITY],
  ] as const) {
    it(`a model that ${what} falls back to the heuristic and emits risk.model_fallback`, async () => {
      const h = createHarness({ riskModel: model('ml', score as RiskModel['score']) });
      const plain = createHarness();
      await h.agent('a1');
      await plain.agent('a1');
      const r = await h.sef.scoreRisk('a1');
      expect(r.source).toBe('heuristic');
      expect(r.score).toBe((await plain.sef.scoreRisk('a1')).score);
      expect(h.of('risk.model_fallback')).toEqual([{ agentId: 'a1', model: 'ml', reason: expect.any(String) }]);
    });
  }

  it('a model that never answers is given up after riskModelTimeout (2 s) on the clock, and told so by its signal', async () => {
    let aborted = false;
    const h = createHarness({
      riskModel: model('slow', (_input, { signal }) => new Promise<number>(() => signal.addEventListener('abort', () => void (aborted = true)))),
    });
    await h.agent('a1');
    const p = h.sef.scoreRisk('a1');
    await h.clock.advance(1_999);
    expect(h.of('risk.scored')).toEqual([]);
    await h.clock.advance(1);
    const r = await p;
    expect(r.source).toBe('heuristic');
    expect(r.at).toBe(T0 + 2_000);
    expect(aborted).toBe(true);
    expect(h.of('risk.model_fallback')[0]?.reason).toMatch(/timed out/);
  });
});
