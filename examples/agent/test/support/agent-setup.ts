import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { levels } from 'pino';
import type { AgentConfig } from '../../src/config.js';
import { createLog } from '../../src/log.js';

/** Log lines the agent wrote, parsed. */
export function captureLog() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        const entry = JSON.parse(line) as Record<string, unknown>;
        // pino writes levels as numbers (30 = info); the tests read them by name.
        lines.push({ ...entry, level: levels.labels[entry['level'] as number] });
      }
      done();
    },
  });
  return { lines, log: createLog({ level: 'debug', format: 'json', destination }) };
}

export const tempDir = () => mkdtemp(join(tmpdir(), 'sef-agent-'));
export const removeDir = (dir: string) => rm(dir, { recursive: true, force: true });

export function agentConfig(overrides: Partial<AgentConfig> & Pick<AgentConfig, 'url' | 'agentId' | 'token' | 'spoolDir'>): AgentConfig {
  return {
    instanceId: undefined, pools: [], imdsEndpoint: undefined, spoolMaxEntries: 10_000, role: 'primary', readyFile: undefined,
    simulated: true, region: 'us-east-1', imdsPollMs: 50, heartbeatMs: 3_600_000, logLevel: 'debug', logFormat: 'json',
    ...overrides,
  };
}
