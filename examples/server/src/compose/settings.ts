import { ConfigError } from '@sef/core';
import { z } from 'zod';

const flag = (def: boolean) =>
  z
    .string()
    .regex(/^(1|0|true|false|yes|no|on|off)$/i, 'expected on/off, true/false, 1/0')
    .transform((v) => /^(1|true|yes|on)$/i.test(v))
    .optional()
    .transform((v) => v ?? def);
const int = (def: number, min = 1) => z.coerce.number().int().min(min).optional().transform((v) => v ?? def);
const text = z.string().trim().min(1).optional();

/** The server's own settings (the `SEF_*` thresholds of the core are read by `configFromEnv`). */
const settingsSchema = z.object({
  PORT: int(5000, 0),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SEF_ADMIN_TOKEN: text,
  SEF_AUTH: flag(true),
  SEF_BODY_LIMIT: int(4 * 1024 * 1024),
  SEF_RATE_LIMIT_MAX: int(1200),
  SEF_RATE_LIMIT_WINDOW: int(60),
  SEF_SIMULATED_FLEET: flag(true),
  SEF_FLEET_AGENTS: int(4),
  SEF_INSTANCE_ID: text,
  DATABASE_URL: text,
  SEF_PG_SCHEMA: text,
  REDIS_URL: text,
  SEF_REDIS_PREFIX: z.string().min(1).default('sef:'),
  SEF_CLOUD: z.enum(['simulated', 'aws']).default('simulated'),
  SEF_SIM_LATENCY: z.enum(['realistic', 'zero']).default('realistic'),
  AWS_REGION: text,
  SEF_SHUTDOWN_TIMEOUT: int(30),
});

export type ServerSettings = z.output<typeof settingsSchema>;

/** Reads the server's settings from the environment; a bad value fails the start naming every problem. */
export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): ServerSettings {
  const present = Object.fromEntries(Object.entries(env).filter(([k, v]) => k in settingsSchema.shape && v !== undefined && v !== ''));
  const result = settingsSchema.safeParse(present);
  if (!result.success) throw new ConfigError(result.error.issues.map((i) => ({ path: i.path.join('.'), code: i.code, message: i.message })));
  if (result.data.SEF_CLOUD === 'aws' && result.data.AWS_REGION === undefined) {
    throw new ConfigError([{ path: 'AWS_REGION', code: 'required', message: 'is required with SEF_CLOUD=aws' }]);
  }
  return result.data;
}
