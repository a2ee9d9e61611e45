import { ConfigError, type Issue } from '../errors/index.js';
import { configFields, type SefConfig, type SefConfigInput } from './schema.js';
import { zodIssues } from '../validation/zod-issues.js';
import { envNumber } from './env-number.js';
import { crossSettingIssues } from './cross-rules.js';

/**
 * Validates a configuration and fills in the defaults. Throws {@link ConfigError} naming every problem:
 * each invalid setting, and each rule between settings broken by the valid ones.
 */
export function parseConfig(input: SefConfigInput = {}): SefConfig {
  return checked(input, new Set());
}

/** {@link parseConfig}, with the settings in `unusable` already found invalid elsewhere (not read by rules). */
function checked(input: SefConfigInput, unusable: ReadonlySet<string>): SefConfig {
  const result = configFields.safeParse(input);
  if (result.success) {
    const issues = crossSettingIssues(result.data, unusable);
    if (issues.length > 0) throw new ConfigError(issues);
    return Object.freeze(result.data);
  }
  // Each setting on its own: the valid ones (or their defaults) still meet the rules between settings.
  const record: Readonly<Record<string, unknown>> = typeof input === 'object' && input !== null ? input : {};
  const bad = new Set(unusable);
  const each: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(configFields.shape)) {
    const one = field.safeParse(record[key]);
    if (one.success) each[key] = one.data;
    else bad.add(key);
  }
  throw new ConfigError([...zodIssues(result.error), ...crossSettingIssues(each as SefConfig, bad)]);
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
  formerPrimaryGrace: 'SEF_FORMER_PRIMARY_GRACE',
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
  // A value that is not a number is named here; the others still go through every range and rule.
  const unreadable = new Set<string>();
  for (const issue of issues) {
    const key = keyByEnvName.get(issue.path);
    if (key !== undefined) unreadable.add(key in weightEnvNames ? 'riskWeights' : key);
  }
  let config: SefConfig | undefined;
  try {
    config = checked(input as SefConfigInput, unreadable);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    issues.push(...error.issues.map((i) => ({ ...i, path: envPath(i.path) })));
  }
  if (config === undefined || issues.length > 0) throw new ConfigError(issues);
  return config;
}

const keyByEnvName = new Map<string, string>([...Object.entries(configEnvNames), ...Object.entries(weightEnvNames)].map(([k, n]) => [n, k]));

/** `rebalanceRiskThreshold` → `SEF_REBALANCE_RISK_THRESHOLD (rebalanceRiskThreshold)`, and the weights' own variables. */
function envPath(path: string): string {
  const [head, sub] = path.split('.');
  if (head === 'riskWeights') return `${sub !== undefined && sub in weightEnvNames ? weightEnvNames[sub as keyof typeof weightEnvNames] : 'SEF_RISK_WEIGHT_*'} (${path})`;
  const name = (configEnvNames as Record<string, string>)[head ?? ''];
  return name !== undefined ? `${name} (${path})` : path;
}
