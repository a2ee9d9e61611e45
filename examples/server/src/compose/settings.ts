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
  /** `pretty` (pino-pretty) or `json` lines; `auto`: pretty when stdout is a terminal. */
  SEF_LOG_FORMAT: z.enum(['auto', 'pretty', 'json']).default('auto'),
  SEF_ADMIN_TOKEN: text,
  SEF_AUTH: flag(true),
  SEF_BODY_LIMIT: int(4 * 1024 * 1024),
  SEF_RATE_LIMIT_MAX: int(1200),
  SEF_RATE_LIMIT_WINDOW: int(60),
  SEF_SIMULATE: z
    .string()
    .trim()
    .regex(/^(none|(fleet|cloud)(\s*,\s*(fleet|cloud))*)$/, "expected 'none' or a comma-separated list of fleet, cloud")
    .optional(),
  SEF_FLEET_AGENTS: int(4),
  SEF_INSTANCE_ID: text,
  DATABASE_URL: text,
  SEF_PG_SCHEMA: text,
  REDIS_URL: text,
  SEF_REDIS_PREFIX: z.string().min(1).default('sef:'),
  SEF_CLOUD: z.enum(['simulated', 'aws']).optional(),
  SEF_SIM_LATENCY: z.enum(['realistic', 'zero']).default('realistic'),
  AWS_REGION: text,
  SEF_SHUTDOWN_TIMEOUT: int(30),
  SEF_RECLAIM_AFTER_MS: int(60_000),
  SEF_SWEEP_INTERVAL_MS: int(5_000),
  SEF_DRAIN_BATCH: int(64),
  SEF_STORE_CONCURRENCY: int(4),
  /** Milliseconds an agent's failover lease lives without renewal: how soon another process resumes a failover whose process died. */
  SEF_LEASE_TTL_MS: int(15_000),
  /** Milliseconds a Postgres statement may take (client side, so a frozen server fails it too); then 503. */
  SEF_PG_QUERY_TIMEOUT: int(5000),
  /** Milliseconds to open a Postgres connection or wait for a free one in the pool. */
  SEF_PG_CONNECT_TIMEOUT: int(2000),
  /** Milliseconds a Redis command may take before it fails (503). */
  SEF_REDIS_COMMAND_TIMEOUT: int(2000),
  /** Milliseconds a request waits for Redis to confirm its enqueue (a frozen Redis: 503 with Retry-After after this). */
  SEF_REDIS_REQUEST_TIMEOUT: int(1000),
  /** An optional HTTP risk model (features POSTed as JSON, `{ "score": s }` back), asked under `SEF_RISK_MODEL_TIMEOUT`. */
  SEF_RISK_MODEL_URL: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).optional(),
});

/** What runs simulated: the cloud (launches, prices, routing) and a fleet of fake agents feeding it. */
export interface Simulation {
  readonly cloud: boolean;
  readonly fleet: boolean;
}

export type ServerSettings = Omit<z.output<typeof settingsSchema>, 'SEF_SIMULATE' | 'SEF_CLOUD'> & {
  /** The cloud SEF launches in: EC2 (`SEF_CLOUD=aws`) or the simulated one. */
  readonly SEF_CLOUD: 'aws' | 'simulated';
  readonly simulate: Simulation;
};

/**
 * Reads the server's settings from the environment; a bad value fails the start naming every problem.
 * Simulation is the default only without a real backend: with `DATABASE_URL` or `REDIS_URL` set, the
 * simulated cloud and fleet need `SEF_SIMULATE=cloud[,fleet]`, and with `SEF_CLOUD=aws` they never run.
 */
export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): ServerSettings {
  const present: Record<string, string> = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[0] in settingsSchema.shape && e[1] !== undefined && e[1] !== ''));
  const result = settingsSchema.safeParse(present);
  const issues: ConfigIssue[] = result.success ? [] : result.error.issues.map((i) => ({ path: i.path.join('.'), code: i.code, message: i.message }));
  // The choice of cloud and simulation is judged even when another setting is bad, so every problem shows.
  const list = settingsSchema.shape.SEF_SIMULATE.safeParse(present['SEF_SIMULATE']);
  const cloud = settingsSchema.shape.SEF_CLOUD.safeParse(present['SEF_CLOUD']);
  const realBackend = present['DATABASE_URL'] !== undefined || present['REDIS_URL'] !== undefined;
  const simulate = list.success && cloud.success ? resolveSimulation(realBackend, cloud.data, list.data, issues) : undefined;
  if (cloud.data === 'aws' && present['AWS_REGION'] === undefined) issues.push({ path: 'AWS_REGION', code: 'required', message: 'is required with SEF_CLOUD=aws' });
  if (!result.success || simulate === undefined || issues.length > 0) throw new ConfigError(issues);
  const { SEF_SIMULATE: _list, SEF_CLOUD: _cloud, ...rest } = result.data;
  return { ...rest, SEF_CLOUD: simulate.cloud ? 'simulated' : 'aws', simulate };
}

type ConfigIssue = ConfigError['issues'][number];

function resolveSimulation(realBackend: boolean, cloud: 'aws' | 'simulated' | undefined, list: string | undefined, issues: ConfigIssue[]): Simulation {
  const asked = list === undefined ? undefined : new Set(list.split(',').map((s) => s.trim()));
  if (cloud === 'aws') {
    if (asked?.has('cloud') || asked?.has('fleet')) {
      issues.push({ path: 'SEF_SIMULATE', code: 'conflict', message: 'nothing is simulated with SEF_CLOUD=aws (the simulated fleet never runs against a real cloud)' });
    }
    return { cloud: false, fleet: false };
  }
  // Without a real backend everything is simulated unless said otherwise; with one, only what is asked for.
  const simulate = asked !== undefined ? { cloud: asked.has('cloud') || cloud === 'simulated', fleet: asked.has('fleet') } : realBackend ? { cloud: cloud === 'simulated', fleet: false } : { cloud: true, fleet: true };
  if (simulate.fleet && !simulate.cloud) {
    issues.push({ path: 'SEF_SIMULATE', code: 'conflict', message: 'the simulated fleet needs the simulated cloud: SEF_SIMULATE=fleet,cloud' });
  } else if (!simulate.cloud) {
    issues.push({ path: 'SEF_CLOUD', code: 'required', message: 'no cloud to launch replicas in: set SEF_CLOUD=aws (EC2), or SEF_SIMULATE=cloud for a simulated one' });
  }
  return simulate;
}
