import { ConfigError, type Issue } from '../errors/index.js';
import { envNumber } from '../config/env-number.js';
import { defaultRiskHeuristic, riskHeuristicProblems, type ResolvedRiskHeuristic, type RiskHeuristicOptions } from './factors.js';

/** Environment variable of each heuristic constant; durations in seconds, as every `SEF_*` setting. */
export const riskHeuristicEnvNames = {
  historyWindowMs: 'SEF_RISK_HISTORY_WINDOW',
  historyScale: 'SEF_RISK_HISTORY_SCALE',
  timeOfDayWeight: 'SEF_RISK_TIME_OF_DAY_WEIGHT',
  timeOfDayWindowHours: 'SEF_RISK_TIME_OF_DAY_WINDOW_HOURS',
  timeOfDayPrior: 'SEF_RISK_TIME_OF_DAY_PRIOR',
  ageHorizonMs: 'SEF_RISK_AGE_HORIZON',
  volatilityWindowMs: 'SEF_RISK_VOLATILITY_WINDOW',
  volatilityScale: 'SEF_RISK_VOLATILITY_SCALE',
} as const satisfies Record<keyof RiskHeuristicOptions, string>;

const inSeconds = new Set<keyof RiskHeuristicOptions>(['historyWindowMs', 'ageHorizonMs', 'volatilityWindowMs']);

/**
 * Reads the risk heuristic's constants from `SEF_RISK_*` environment variables (pure: pass
 * `process.env`); unset ones keep their defaults. Throws {@link ConfigError} naming every variable that is
 * not a number or out of range.
 * @example
 * const sef = createSef({ storage, cloud, config: configFromEnv(process.env), riskHeuristic: riskHeuristicFromEnv(process.env) });
 */
export function riskHeuristicFromEnv(env: Readonly<Record<string, string | undefined>>): ResolvedRiskHeuristic {
  const options: { -readonly [K in keyof RiskHeuristicOptions]: number } = {};
  const issues: Issue[] = [];
  for (const [key, name] of Object.entries(riskHeuristicEnvNames) as [keyof RiskHeuristicOptions, string][]) {
    const n = envNumber(env, name, issues);
    if (n !== undefined) options[key] = inSeconds.has(key) ? n * 1000 : n;
  }
  const h = { ...defaultRiskHeuristic, ...options };
  // Named by the variable, with the value as it was written (seconds, not the milliseconds inside).
  for (const { key, rule } of riskHeuristicProblems(h)) {
    const name = riskHeuristicEnvNames[key];
    issues.push({ path: `${name} (riskHeuristic.${key})`, code: 'out_of_range', message: `must be ${rule} (got ${JSON.stringify(env[name])})` });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return h;
}
