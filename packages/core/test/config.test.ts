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
});
