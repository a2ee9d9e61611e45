import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ConfigError } from '@sef/core';
import { describe, expect, it } from 'vitest';
import { readEnvironment } from '../src/compose/environment.js';

// One bad setting of each kind and of each reader: the server's own, the core's, the heuristic's, EC2's.
const bad = {
  PORT: 'eighty', // server: not a number
  SEF_AUTH: 'maybe', // server: not a flag
  SEF_RISK_MODEL_URL: 'ftp://model/score', // server: not an http(s) URL
  SEF_SIMULATE: 'fleet', // server: with SEF_CLOUD=aws nothing is simulated
  SEF_CLOUD: 'aws', // without AWS_REGION and the EC2 settings
  SEF_MAX_PRICE: 'abc', // core: not a number
  SEF_REBALANCE_RISK_THRESHOLD: '2', // core: out of [0, 1]
  SEF_INTERPOLATION_STEP: '3600', // core: longer than the longest fillable gap (1800)
  SEF_RISK_HISTORY_SCALE: '-1', // heuristic: not above 0
  SEF_AWS_SUBNETS: 'us-east-1a', // EC2: not key=value pairs
};
const expected = [
  'AWS_REGION',
  'PORT',
  'SEF_AUTH',
  'SEF_AWS_EIP_ALLOCATIONS',
  'SEF_AWS_INSTANCE_TYPES',
  'SEF_AWS_LAUNCH_TEMPLATE',
  'SEF_AWS_SUBNETS',
  'SEF_INTERPOLATION_STEP (interpolationStep)',
  'SEF_MAX_PRICE',
  'SEF_REBALANCE_RISK_THRESHOLD (rebalanceRiskThreshold)',
  'SEF_RISK_HISTORY_SCALE (riskHeuristic.historyScale)',
  'SEF_RISK_MODEL_URL',
  'SEF_SIMULATE',
];

describe('a bad configuration names every problem at once', () => {
  it('settings of every kind and every reader, bad together, come out in one error, each variable once', () => {
    let error: unknown;
    try {
      readEnvironment(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.path).sort()).toEqual(expected);
  });

  it('a good environment gives the settings', () => {
    expect(readEnvironment({ SEF_SIMULATE: 'cloud', SEF_MAX_PRICE: '5' })).toMatchObject({ simulate: { cloud: true, fleet: false } });
  });

  it('the service refuses to start, listing all of them on stderr, exit code 1', async () => {
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const run = promisify(execFile)(process.execPath, ['--conditions=@sef/source', '--import', 'tsx', main], { env: { ...process.env, ...bad }, timeout: 30_000 });
    const failure = (await run.then(() => undefined, (e: unknown) => e)) as { code?: number; stderr?: string } | undefined;
    expect(failure?.code).toBe(1);
    const line = failure?.stderr ?? '';
    expect(line).toMatch(/^SEF cannot start: Invalid SEF configuration: /);
    for (const path of expected) expect(line).toContain(`${path}: `);
  }, 40_000);
});
