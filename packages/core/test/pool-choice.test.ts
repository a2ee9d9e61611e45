import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { choosePool, emergencyOrder, type PoolChoiceRules, type ScoredCandidate } from '../src/risk/pool-choice.js';

const c = (poolId: string, spotPrice: number, risk: number, onDemandPrice = 0.085): ScoredCandidate => ({ poolId, spotPrice, risk, onDemandPrice });
const rules = (extra: Partial<PoolChoiceRules> = {}): PoolChoiceRules => ({ threshold: 0.3, avoid: new Set(), allowOnDemand: false, fallbackPoolId: 'cur', ...extra });

describe('cheapest safe pool', () => {
  it('takes the cheapest pool whose own risk is below 0.30, skipping cheaper unsafe ones', () => {
    const choice = choosePool([c('a', 0.02, 0.45), c('b', 0.03, 0.1), c('c', 0.025, 0.29), c('d', 0.04, 0)], rules());
    expect(choice.kind).toBe('spot');
    if (choice.kind === 'spot') expect(choice.pools.map((p) => p.poolId)).toEqual(['c', 'b', 'd']);
  });

  it('a risk of exactly 0.30 is not safe (the replica threshold is "risk ≥ 0.30")', () => {
    expect(choosePool([c('a', 0.02, 0.3)], rules()).kind).toBe('none');
  });

  it('on equal prices the lower risk wins', () => {
    const choice = choosePool([c('a', 0.03, 0.2), c('b', 0.03, 0.05)], rules());
    if (choice.kind !== 'spot') throw new Error('expected spot');
    expect(choice.pools[0]?.poolId).toBe('b');
  });

  it('never picks an avoided pool (current pool, pools in cool-down)', () => {
    const choice = choosePool([c('a', 0.01, 0), c('b', 0.03, 0)], rules({ avoid: new Set(['a']) }));
    if (choice.kind !== 'spot') throw new Error('expected spot');
    expect(choice.pools.map((p) => p.poolId)).toEqual(['b']);
  });

  it('none safe: on-demand in the pool with the cheapest on-demand price when allowed, else nothing', () => {
    const cands = [c('a', 0.02, 0.5, 0.1), c('b', 0.03, 0.6, 0.09)];
    expect(choosePool(cands, rules({ allowOnDemand: true }))).toEqual({ kind: 'on-demand', market: 'on-demand', poolId: 'b' });
    expect(choosePool(cands, rules()).kind).toBe('none');
  });

  it('the first choice is safe, not avoided, and no safe pool is cheaper, nor as cheap with lower risk (property)', () => {
    const cand = fc.record({ poolId: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), spotPrice: fc.integer({ min: 1, max: 20 }).map((x) => x / 100), risk: fc.double({ min: 0, max: 1, noNaN: true }) });
    fc.assert(
      fc.property(fc.uniqueArray(cand, { selector: (x) => x.poolId, maxLength: 6 }), fc.subarray(['a', 'b', 'c']), (cands, avoided) => {
        const r = rules({ avoid: new Set(avoided) });
        const choice = choosePool(cands, r);
        const safe = cands.filter((x) => x.risk < 0.3 && !r.avoid.has(x.poolId));
        if (safe.length === 0) return choice.kind === 'none';
        if (choice.kind !== 'spot') return false;
        const best = choice.pools[0]!;
        return best.risk < 0.3 && !r.avoid.has(best.poolId) && safe.every((x) => x.spotPrice > best.spotPrice || (x.spotPrice === best.spotPrice && x.risk >= best.risk));
      }),
    );
  });

  it('an emergency takes safe pools first, then the rest by risk, and the avoided ones last', () => {
    const order = emergencyOrder([c('cool', 0.01, 0), c('risky', 0.01, 0.9), c('meh', 0.05, 0.5), c('safe', 0.04, 0.1)], rules({ avoid: new Set(['cool']) }));
    expect(order.map((p) => p.poolId)).toEqual(['safe', 'meh', 'risky', 'cool']);
  });
});
