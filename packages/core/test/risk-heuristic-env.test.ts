import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/errors/index.js';
import { defaultRiskHeuristic, riskHeuristicFromEnv } from '../src/risk/index.js';

const issuesOf = (env: Record<string, string>) => {
  try {
    riskHeuristicFromEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  return [];
};

describe('risk heuristic constants from the environment', () => {
  it('keeps the defaults when nothing is set, and reads durations in seconds', () => {
    expect(riskHeuristicFromEnv({})).toEqual(defaultRiskHeuristic);
    expect(riskHeuristicFromEnv({ SEF_RISK_HISTORY_WINDOW: '604800', SEF_RISK_TIME_OF_DAY_WEIGHT: '0', SEF_RISK_TIME_OF_DAY_WINDOW_HOURS: '2', SEF_RISK_VOLATILITY_SCALE: '0.1', SEF_RISK_AGE_HORIZON: ' ' })).toEqual({
      ...defaultRiskHeuristic,
      historyWindowMs: 604_800_000,
      timeOfDayWeight: 0,
      timeOfDayWindowHours: 2,
      volatilityScale: 0.1,
    });
  });

  it('names every variable that is not a number, and every one out of range beside them', () => {
    expect(issuesOf({ SEF_RISK_HISTORY_SCALE: 'two', SEF_RISK_AGE_HORIZON: '1w', SEF_RISK_TIME_OF_DAY_PRIOR: '-1' })).toEqual([
      'SEF_RISK_HISTORY_SCALE: expected a number, got "two"',
      'SEF_RISK_AGE_HORIZON: expected a number, got "1w"',
      'SEF_RISK_TIME_OF_DAY_PRIOR (riskHeuristic.timeOfDayPrior): must be a number of 0 or more (got "-1")',
    ]);
  });

  it('names every value out of range, as it was written', () => {
    expect(issuesOf({ SEF_RISK_HISTORY_WINDOW: '-5', SEF_RISK_TIME_OF_DAY_WEIGHT: '2', SEF_RISK_TIME_OF_DAY_WINDOW_HOURS: '12' })).toEqual([
      'SEF_RISK_HISTORY_WINDOW (riskHeuristic.historyWindowMs): must be a number above 0 (got "-5")',
      'SEF_RISK_TIME_OF_DAY_WEIGHT (riskHeuristic.timeOfDayWeight): must be a number from 0 to 1 (got "2")',
      'SEF_RISK_TIME_OF_DAY_WINDOW_HOURS (riskHeuristic.timeOfDayWindowHours): must be a whole number from 0 to 11 (got "12")',
    ]);
  });
});
