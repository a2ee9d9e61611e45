import { ConfigError } from '@sef/core';
import { expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';

const problems = (argv: string[], env: Record<string, string>) => {
  try {
    parseConfig(argv, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => `${i.path} ${i.code}`);
    throw error;
  }
  throw new Error('expected a ConfigError');
};

it('a bad configuration names every problem at once: missing, non-numeric, out of range, bad enums, bad flags', () => {
  const env = { SEF_URL: 'http://sef:5000', SEF_HEARTBEAT_MS: 'soon', LOG_LEVEL: 'loud', SEF_LOG_FORMAT: 'xml' };
  expect(problems(['--spool-max', '0', '--role', 'boss', '--imds-poll-ms', '1.5', '--colour', '--simulated=yes', 'stray', '--pools'], env).sort()).toEqual([
    '--agent-id / SEF_AGENT_ID required',
    '--colour unknown_flag',
    '--pools missing_value',
    '--simulated unexpected_value',
    '--token / SEF_AGENT_TOKEN required',
    'LOG_LEVEL invalid_enum',
    'SEF_LOG_FORMAT invalid_enum',
    'heartbeat-ms not_positive_integer',
    'imds-poll-ms not_positive_integer',
    'role invalid_enum',
    'spool-max not_positive_integer',
    'stray unexpected_argument',
  ]);
});

it('the message names each problem with its value; a good configuration still parses', () => {
  expect(() => parseConfig(['--spool-max', 'x', '--heartbeat-ms', '-1'], { SEF_URL: 'u', SEF_AGENT_ID: 'a', SEF_AGENT_TOKEN: 't' })).toThrow(
    'Invalid SEF configuration: spool-max: must be a positive integer, got x; heartbeat-ms: must be a positive integer, got -1',
  );
  const ok = parseConfig(['--token', 't', '--simulated', '--heartbeat-ms', '250'], { SEF_URL: 'u', SEF_AGENT_ID: 'a', SEF_ROLE: 'replica' });
  expect(ok).toMatchObject({ url: 'u', agentId: 'a', token: 't', simulated: true, heartbeatMs: 250, role: 'replica', spoolMaxEntries: 10_000 });
});
