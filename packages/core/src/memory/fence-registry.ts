import { StaleFencingTokenError } from '../errors/index.js';

/**
 * The highest fencing token seen per agent, shared by the in-memory agent, replica and event stores
 * (a SQL backend keeps it in the agents row).
 */
export class FenceRegistry {
  readonly #tokens = new Map<string, number>();

  /** Refuses a token lower than the highest seen for the agent; otherwise records it. */
  check(agentId: string, token: number | undefined): void {
    if (token === undefined) return;
    const seen = this.#tokens.get(agentId) ?? 0;
    if (token < seen) throw new StaleFencingTokenError(`Fencing token ${token} for agent ${agentId} is stale (seen ${seen})`);
    this.#tokens.set(agentId, token);
  }

  highest(agentId: string): number {
    return this.#tokens.get(agentId) ?? 0;
  }
}
