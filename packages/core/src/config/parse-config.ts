import { ConfigError, type Issue } from '../errors/index.js';
import { configSchema, type SefConfig, type SefConfigInput } from './schema.js';
import { zodIssues } from '../validation/zod-issues.js';
import { envNumber } from './env-number.js';

/** Validates a configuration and fills in the defaults. Throws {@link ConfigError} naming every problem. */
export function parseConfig(input: SefConfigInput = {}): SefConfig {
  const result = configSchema.safeParse(input);
  if (!result.success) throw new ConfigError(zodIssues(result.error));
  return Object.freeze(result.data);
}

/** Environment variable for each setting; nested weights use `SEF_RISK_WEIGHT_*`. */
export const configEnvNames = {
  dataRetentionWindow: 'SEF_DATA_RETENTION_WINDOW',
  gapDetectionThreshold: 'SEF_GAP_DETECTION_THRESHOLD',
  interpolationMaxGap: 'SEF_INTERPOLATION_MAX_GAP',
  interpolationStep: 'SEF_INTERPOLATION_STEP',
  dualSourcePriceTolerance: 'SEF_DUAL_SOURCE_PRICE_TOLERANCE',
  dualSourceTimeTolerance: 'SEF_DUAL_SOURCE_TIME_TOLERANCE',
  maxReportAge: 'SEF_MAX_REPORT_AGE',
  maxClockSkew: 'SEF_MAX_CLOCK_SKEW',
  minPrice: 'SEF_MIN_PRICE',
  maxPrice: 'SEF_MAX_PRICE',
  pricePrecision: 'SEF_PRICE_PRECISION',
  rebalanceRiskThreshold: 'SEF_REBALANCE_RISK_THRESHOLD',
  terminationGracePeriod: 'SEF_TERMINATION_GRACE_PERIOD',
  cleanupInterval: 'SEF_CLEANUP_INTERVAL',
  riskModelTimeout: 'SEF_RISK_MODEL_TIMEOUT',
  unusedReplicaTimeout: 'SEF_UNUSED_REPLICA_TIMEOUT',
  poolCooldown: 'SEF_POOL_COOLDOWN',
  allowOnDemandFallback: 'SEF_ALLOW_ON_DEMAND_FALLBACK',
  interpolatedShareAlert: 'SEF_INTERPOLATED_SHARE_ALERT',
  replicaReadyTimeAlert: 'SEF_REPLICA_READY_TIME_ALERT',
  orphanMinAge: 'SEF_ORPHAN_MIN_AGE',
} as const satisfies Record<Exclude<keyof SefConfig, 'riskWeights'>, string>;

const weightEnvNames = {
  interruptionHistory: 'SEF_RISK_WEIGHT_INTERRUPTION_HISTORY',
  instanceAge: 'SEF_RISK_WEIGHT_INSTANCE_AGE',
  priceVolatility: 'SEF_RISK_WEIGHT_PRICE_VOLATILITY',
} as const;

/**
 * Reads the settings from `SEF_*` environment variables (pure: pass `process.env`).
 * Unset variables keep their defaults; a value that is not a number (or boolean) is named in the error.
 */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>): SefConfig {
  const input: Record<string, unknown> = {};
  const issues: Issue[] = [];
  const read = (name: string, key: string, target: Record<string, unknown>) => {
    const raw = env[name];
    if (key === 'allowOnDemandFallback') {
      if (raw === undefined || raw.trim() === '') return;
      if (/^(1|true|yes|on)$/i.test(raw)) target[key] = true;
      else if (/^(0|false|no|off)$/i.test(raw)) target[key] = false;
      else issues.push({ path: name, code: 'invalid_boolean', message: `expected true or false, got ${JSON.stringify(raw)}` });
      return;
    }
    const n = envNumber(env, name, issues);
    if (n !== undefined) target[key] = n;
  };
  for (const [key, name] of Object.entries(configEnvNames)) read(name, key, input);
  const weights: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(weightEnvNames)) read(name, key, weights);
  if (Object.keys(weights).length > 0) input['riskWeights'] = weights;
  if (issues.length > 0) throw new ConfigError(issues);
  try {
    return parseConfig(input as SefConfigInput);
  } catch (error) {
    if (error instanceof ConfigError) {
      const byKey = new Map<string, string>(Object.entries(configEnvNames));
      throw new ConfigError(error.issues.map((i) => ({ ...i, path: `${byKey.get(i.path) ?? i.path} (${i.path})` })));
    }
    throw error;
  }
}
