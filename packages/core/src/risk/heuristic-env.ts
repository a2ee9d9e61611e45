import { ConfigError, type Issue } from '../errors/index.js';
import { resolveRiskHeuristic, type ResolvedRiskHeuristic, type RiskHeuristicOptions } from './factors.js';

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
 * const sef = createSef({ storage, config: configFromEnv(process.env), riskHeuristic: riskHeuristicFromEnv(process.env) });
 */
export function riskHeuristicFromEnv(env: Readonly<Record<string, string | undefined>>): ResolvedRiskHeuristic {
  const options: { -readonly [K in keyof RiskHeuristicOptions]: number } = {};
  const raws = new Map<string, string>();
  const issues: Issue[] = [];
  for (const [key, name] of Object.entries(riskHeuristicEnvNames) as [keyof RiskHeuristicOptions, string][]) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const n = Number(raw);
    if (!Number.isFinite(n)) issues.push({ path: name, code: 'invalid_number', message: `expected a number, got ${JSON.stringify(raw)}` });
    else {
      options[key] = inSeconds.has(key) ? n * 1000 : n;
      raws.set(key, raw);
    }
  }
  let resolved: ResolvedRiskHeuristic | undefined;
  try {
    resolved = resolveRiskHeuristic(options);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Named by the variable, with the value as it was written (seconds, not the milliseconds inside).
    for (const i of error.issues) {
      const key = i.path.replace('riskHeuristic.', '') as keyof RiskHeuristicOptions;
      issues.push({ ...i, path: `${riskHeuristicEnvNames[key]} (${i.path})`, message: i.message.replace(/\(got .*\)$/, `(got ${JSON.stringify(raws.get(key))})`) });
    }
  }
  if (issues.length > 0 || resolved === undefined) throw new ConfigError(issues);
  return resolved;
}
