import { ConfigError, configFromEnv, riskHeuristicFromEnv } from '@sef/core';
import { awsSettingsFromEnv } from './aws.js';
import { settingsFromEnv, type ServerSettings } from './settings.js';

type ConfigIssue = ConfigError['issues'][number];

/**
 * Checks every setting the service reads before anything starts: its own (`settingsFromEnv`), the core's
 * `SEF_*` thresholds, the risk heuristic's `SEF_RISK_*` constants and, with `SEF_CLOUD=aws`, the EC2
 * settings. Throws one {@link ConfigError} naming every problem of all of them (a variable two readers
 * check is named once); returns the server's settings.
 * @example
 * const settings = readEnvironment(process.env);
 */
export function readEnvironment(env: Readonly<Record<string, string | undefined>>): ServerSettings {
  const issues: ConfigIssue[] = [];
  const named = new Set<string>();
  const check = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      const fresh = error.issues.filter((i) => !named.has(i.path));
      issues.push(...fresh);
      for (const i of fresh) named.add(i.path);
      return undefined;
    }
  };
  const settings = check(() => settingsFromEnv(env));
  check(() => configFromEnv(env));
  check(() => riskHeuristicFromEnv(env));
  if (env['SEF_CLOUD']?.trim() === 'aws') check(() => awsSettingsFromEnv(env));
  if (settings === undefined || issues.length > 0) throw new ConfigError(issues);
  return settings;
}
