import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentConfig } from '../../src/config.js';
import { createLog } from '../../src/log.js';

/** Log lines the agent wrote, parsed. */
export function captureLog() {
  const lines: Record<string, unknown>[] = [];
  return { lines, log: createLog((line) => lines.push(JSON.parse(line) as Record<string, unknown>)) };
}

export const tempDir = () => mkdtemp(join(tmpdir(), 'sef-agent-'));
export const removeDir = (dir: string) => rm(dir, { recursive: true, force: true });

export function agentConfig(overrides: Partial<AgentConfig> & Pick<AgentConfig, 'url' | 'agentId' | 'token' | 'spoolDir'>): AgentConfig {
  return {
    instanceId: undefined, pools: [], imdsEndpoint: undefined, spoolMaxEntries: 10_000, role: 'primary', readyFile: undefined,
    simulated: true, region: 'us-east-1', imdsPollMs: 50, heartbeatMs: 3_600_000,
    ...overrides,
  };
}
