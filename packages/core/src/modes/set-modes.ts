import { ConflictError, NotFoundError } from '../errors/index.js';
import type { AgentStore } from '../ports/agent-store.js';
import type { AgentModes, AgentRecord } from '../ports/types.js';
import { applyModeChange, modeRefusal, sameModes, type ModeChange } from './mode-rules.js';

export interface ModeUpdate {
  readonly agent: AgentRecord;
  readonly previous: AgentModes;
  readonly changed: boolean;
}

/**
 * Applies a mode change by compare-and-set on the agent's version: read, check the exclusion, write at
 * the version read; a concurrent write makes the store refuse and the loop starts again from a fresh read,
 * so a refusal is always decided on the current state (never read-then-write).
 * Throws `ConflictError('Manual mode active' | 'Auto mode active')` and writes nothing when refused.
 */
export async function updateModes(agents: AgentStore, agentId: string, change: ModeChange, options: { fencingToken?: number } = {}): Promise<ModeUpdate> {
  for (let attempt = 0; ; attempt++) {
    const agent = await agents.get(agentId);
    if (!agent) throw new NotFoundError(`Agent ${agentId} not found`);
    const refusal = modeRefusal(agent.modes, change);
    if (refusal) throw new ConflictError(refusal);
    const next = applyModeChange(agent.modes, change);
    if (sameModes(next, agent.modes)) return { agent, previous: agent.modes, changed: false };
    try {
      const updated = await agents.update(agentId, agent.version, { modes: next }, options);
      return { agent: updated, previous: agent.modes, changed: true };
    } catch (error) {
      // A version or exclusion conflict means someone else wrote first: decide again on what is stored now.
      if (!(error instanceof ConflictError) && (error as { code?: string }).code !== 'CONFLICT') throw error;
      if (attempt >= 50) throw error;
    }
  }
}
