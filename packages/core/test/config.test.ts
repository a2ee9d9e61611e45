import { describe, expect, it } from 'vitest';
import { ConfigError, configFromEnv, parseConfig } from '../src/index.js';

describe('configuration', () => {
  it("has the spec's defaults", () => {
    const c = parseConfig();
    expect(c.dataRetentionWindow).toBe(300);
    expect(c.gapDetectionThreshold).toBe(600);
    expect(c.interpolationMaxGap).toBe(1800);
    expect(c.interpolationStep).toBe(300);
    expect(c.dualSourcePriceTolerance).toBe(0.005);
    expect(c.rebalanceRiskThreshold).toBe(0.3);
    expect(c.terminationGracePeriod).toBe(120);
    expect(c.cleanupInterval).toBe(300);
    expect(c.riskWeights).toEqual({ interruptionHistory: 0.4, instanceAge: 0.3, priceVolatility: 0.3 });
  });

  it('names every problem of a bad configuration at once', () => {
    const bad = () =>
      parseConfig({
        dataRetentionWindow: -1,
        rebalanceRiskThreshold: 2,
        riskWeights: { interruptionHistory: 0.5 },
        // @ts-expect-error unknown setting
        interpolationMaxGapp: 10,
      });
    expect(bad).toThrow(ConfigError);
    try {
      bad();
    } catch (e) {
      const paths = (e as ConfigError).issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['dataRetentionWindow', 'rebalanceRiskThreshold', '']));
      expect((e as ConfigError).message).toMatch(/interpolationMaxGapp/);
    }
  });

  it('rejects weights that do not add up to 1 and a step longer than the longest fillable gap', () => {
    expect(() => parseConfig({ riskWeights: { interruptionHistory: 0.5, instanceAge: 0.3, priceVolatility: 0.3 } })).toThrow(
      /add up to 1/,
    );
    expect(() => parseConfig({ interpolationStep: 3600 })).toThrow(/interpolationMaxGap/);
  });

  it('reads SEF_* variables and names the variable of a bad value', () => {
    expect(configFromEnv({ SEF_REBALANCE_RISK_THRESHOLD: '0.15', SEF_ALLOW_ON_DEMAND_FALLBACK: 'true' })).toMatchObject({
      rebalanceRiskThreshold: 0.15,
      allowOnDemandFallback: true,
    });
    expect(() => configFromEnv({ SEF_INTERPOLATION_STEP: 'five' })).toThrow(/SEF_INTERPOLATION_STEP/);
    expect(() => configFromEnv({ SEF_INTERPOLATION_MAX_GAP: '-5' })).toThrow(/SEF_INTERPOLATION_MAX_GAP/);
  });

  const problems = (f: () => unknown): string[] => {
    try {
      f();
    } catch (e) {
      if (e instanceof ConfigError) return e.issues.map((i) => i.path).sort();
      throw e;
    }
    return [];
  };

  it('names a non-number, a boolean, a range and a rule between settings in one error', () => {
    const env = {
      SEF_MAX_PRICE: 'abc',
      SEF_ALLOW_ON_DEMAND_FALLBACK: 'maybe',
      SEF_REBALANCE_RISK_THRESHOLD: '2',
      SEF_INTERPOLATION_STEP: '3600',
      SEF_RISK_WEIGHT_INSTANCE_AGE: 'much',
    };
    expect(problems(() => configFromEnv(env))).toEqual([
      'SEF_ALLOW_ON_DEMAND_FALLBACK',
      'SEF_INTERPOLATION_STEP (interpolationStep)',
      'SEF_MAX_PRICE',
      'SEF_REBALANCE_RISK_THRESHOLD (rebalanceRiskThreshold)',
      'SEF_RISK_WEIGHT_INSTANCE_AGE',
    ]);
    expect(() => configFromEnv(env)).toThrow(/SEF_MAX_PRICE: expected a number, got "abc".*must not exceed interpolationMaxGap/);
  });

  it('a rule between settings is judged only on valid settings: an unreadable one is named once, by itself', () => {
    expect(problems(() => configFromEnv({ SEF_MIN_PRICE: '5', SEF_MAX_PRICE: 'lots' }))).toEqual(['SEF_MAX_PRICE']);
    expect(problems(() => configFromEnv({ SEF_MIN_PRICE: '5', SEF_MAX_PRICE: '1' }))).toEqual(['SEF_MIN_PRICE (minPrice)']);
    expect(problems(() => configFromEnv({ SEF_RISK_WEIGHT_INSTANCE_AGE: 'x', SEF_RISK_WEIGHT_PRICE_VOLATILITY: '0.9' }))).toEqual(['SEF_RISK_WEIGHT_INSTANCE_AGE']);
    expect(problems(() => configFromEnv({ SEF_RISK_WEIGHT_PRICE_VOLATILITY: '0.9' }))).toEqual(['SEF_RISK_WEIGHT_* (riskWeights)']);
  });

  it('parseConfig names a bad setting and a broken rule between two others at once', () => {
    expect(problems(() => parseConfig({ maxReportAge: -1, interpolationStep: 3600, minPrice: 2, maxPrice: 1 }))).toEqual(['interpolationStep', 'maxReportAge', 'minPrice']);
    expect(problems(() => parseConfig({ interpolationStep: -3, dualSourceTimeTolerance: 200 }))).toEqual(['interpolationStep']);
  });
});
