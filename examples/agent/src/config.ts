import { parseArgs } from 'node:util';
import { ConfigError } from '@sef/core';

/** Settings of the agent, from flags (first) and environment variables. */
export interface AgentConfig {
  readonly url: string;
  readonly agentId: string;
  readonly token: string;
  /** Read from IMDS when not given. */
  readonly instanceId: string | undefined;
  readonly pools: readonly string[];
  /** IMDS endpoint (tests point it at a local IMDSv2); the SDK default when not given. */
  readonly imdsEndpoint: string | undefined;
  readonly spoolDir: string;
  readonly spoolMaxEntries: number;
  readonly role: 'primary' | 'replica';
  /** A replica reports `ready` once this file exists (the sync job creates it). */
  readonly readyFile: string | undefined;
  readonly simulated: boolean;
  readonly region: string;
  readonly imdsPollMs: number;
  readonly heartbeatMs: number;
  /** pino level (`LOG_LEVEL`). @default 'info' */
  readonly logLevel: LogLevel;
  /** `SEF_LOG_FORMAT`: `pretty`, `json`, or `auto` (pretty on a terminal). @default 'auto' */
  readonly logFormat: 'auto' | 'pretty' | 'json';
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
type LogLevel = (typeof logLevels)[number];
const logFormats = ['auto', 'pretty', 'json'] as const;

export const helpText = `sef-agent: reports interruption notices, spot prices and heartbeats to SEF.

Usage: node --conditions=@sef/source --import tsx src/main.ts [options]

  --url <url>            SEF base URL                                  SEF_URL (required)
  --agent-id <id>        this agent's id                               SEF_AGENT_ID (required)
  --token <token>        the agent's token (from POST /api/agents)     SEF_AGENT_TOKEN (required)
  --instance-id <id>     this instance; default: read from IMDS        SEF_INSTANCE_ID
  --pools <a,b>          pools to sample, e.g. us-east-1a:c5.large     SEF_POOLS
  --imds-endpoint <url>  IMDS endpoint; default: the SDK's              AWS_EC2_METADATA_SERVICE_ENDPOINT
  --spool-dir <dir>      where unsent reports are kept                 SEF_SPOOL_DIR (default ./sef-spool)
  --spool-max <n>        most spooled requests; oldest dropped beyond  SEF_SPOOL_MAX (default 10000)
  --role <r>             primary | replica                             SEF_ROLE (default primary)
  --ready-file <path>    replica: report ready once this file exists   SEF_READY_FILE
  --simulated            simulated price feed instead of EC2           SEF_SIMULATED=1
  --region <r>           AWS region of the EC2 price feed              AWS_REGION (default us-east-1)
  --imds-poll-ms <ms>    IMDS poll interval                            SEF_IMDS_POLL_MS (default 5000)
  --heartbeat-ms <ms>    heartbeat interval                            SEF_HEARTBEAT_MS (default 30000)
  -h, --help             this text

Environment only: LOG_LEVEL (info; debug also logs each heartbeat), SEF_LOG_FORMAT (auto: readable lines on a
terminal, JSON lines otherwise; or pretty, json).
`;

const options = {
  url: { type: 'string' }, 'agent-id': { type: 'string' }, token: { type: 'string' }, 'instance-id': { type: 'string' },
  pools: { type: 'string' }, 'imds-endpoint': { type: 'string' }, 'spool-dir': { type: 'string' }, 'spool-max': { type: 'string' },
  role: { type: 'string' }, 'ready-file': { type: 'string' }, simulated: { type: 'boolean' }, region: { type: 'string' },
  'imds-poll-ms': { type: 'string' }, 'heartbeat-ms': { type: 'string' }, help: { type: 'boolean', short: 'h' },
} as const;

type Issue = ConfigError['issues'][number];

/**
 * Parses flags and environment; `'help'` when `--help` was asked for. Throws one {@link ConfigError}
 * naming every problem (unknown flags, missing and bad values), as the server's configuration does.
 * @example
 * const config = parseConfig(process.argv.slice(2), process.env);
 */
export function parseConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): AgentConfig | 'help' {
  const issues: Issue[] = [];
  const v = readFlags(argv, issues);
  if (v['help'] === true) return 'help';
  const str = (name: keyof typeof options) => (typeof v[name] === 'string' ? v[name] : undefined);
  const required = (value: string | undefined, name: string) => {
    if (!value) issues.push({ path: name, code: 'required', message: 'is required (see --help)' });
    return value ?? '';
  };
  const int = (value: string | undefined, name: string, def: number) => {
    if (value === undefined || value === '') return def;
    const n = Number(value);
    if (Number.isInteger(n) && n > 0) return n;
    issues.push({ path: name, code: 'not_positive_integer', message: `must be a positive integer, got ${value}` });
    return def;
  };
  const oneOf = <T extends string>(value: string | undefined, name: string, allowed: readonly T[], def: T): T => {
    if (value === undefined || value === '') return def;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    issues.push({ path: name, code: 'invalid_enum', message: `must be one of ${allowed.join(', ')}, got ${value}` });
    return def;
  };
  const config: AgentConfig = {
    url: required(str('url') ?? env['SEF_URL'], '--url / SEF_URL'),
    agentId: required(str('agent-id') ?? env['SEF_AGENT_ID'], '--agent-id / SEF_AGENT_ID'),
    token: required(str('token') ?? env['SEF_AGENT_TOKEN'], '--token / SEF_AGENT_TOKEN'),
    instanceId: str('instance-id') ?? env['SEF_INSTANCE_ID'],
    pools: (str('pools') ?? env['SEF_POOLS'] ?? '').split(',').map((p) => p.trim()).filter(Boolean),
    imdsEndpoint: str('imds-endpoint') ?? env['AWS_EC2_METADATA_SERVICE_ENDPOINT'],
    spoolDir: str('spool-dir') ?? env['SEF_SPOOL_DIR'] ?? './sef-spool',
    spoolMaxEntries: int(str('spool-max') ?? env['SEF_SPOOL_MAX'], 'spool-max', 10_000),
    role: oneOf(str('role') ?? env['SEF_ROLE'], 'role', ['primary', 'replica'], 'primary'),
    readyFile: str('ready-file') ?? env['SEF_READY_FILE'],
    simulated: v['simulated'] === true || env['SEF_SIMULATED'] === '1',
    region: str('region') ?? env['AWS_REGION'] ?? 'us-east-1',
    imdsPollMs: int(str('imds-poll-ms') ?? env['SEF_IMDS_POLL_MS'], 'imds-poll-ms', 5000),
    heartbeatMs: int(str('heartbeat-ms') ?? env['SEF_HEARTBEAT_MS'], 'heartbeat-ms', 30_000),
    logLevel: oneOf(env['LOG_LEVEL'], 'LOG_LEVEL', logLevels, 'info'),
    logFormat: oneOf(env['SEF_LOG_FORMAT'], 'SEF_LOG_FORMAT', logFormats, 'auto'),
  };
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}

/** The flags, leniently: an unknown flag, a value given to a switch or a flag missing its value is an issue, not a throw. */
function readFlags(argv: readonly string[], issues: Issue[]): Record<string, string | boolean | undefined> {
  const { values, tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  for (const t of tokens) {
    if (t.kind === 'positional') issues.push({ path: t.value, code: 'unexpected_argument', message: 'is not a flag (see --help)' });
    if (t.kind !== 'option') continue;
    const known = (options as Record<string, { type: string }>)[t.name];
    if (known === undefined) issues.push({ path: t.rawName, code: 'unknown_flag', message: 'is not a known flag (see --help)' });
    else if (known.type === 'string' && t.value === undefined) issues.push({ path: t.rawName, code: 'missing_value', message: 'needs a value' });
    else if (known.type === 'boolean' && t.value !== undefined) issues.push({ path: t.rawName, code: 'unexpected_value', message: `takes no value, got ${t.value}` });
  }
  return values;
}
