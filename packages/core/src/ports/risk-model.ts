/** What a risk model is told about an instance. Factors are the heuristic's, in [0, 1]. */
export interface RiskInput {
  readonly agentId: string;
  readonly poolId: string;
  readonly instanceId?: string;
  /** ms */
  readonly now: number;
  readonly factors: Readonly<{ interruptionHistory: number; instanceAge: number; priceVolatility: number }>;
}

/**
 * An optional external (e.g. ML) interruption-risk model. SEF consults it under a deadline and never
 * depends on it: a throw, a time-out, or an answer that is not a finite number in [0, 1] falls back to the
 * built-in heuristic (event `risk.model_fallback`).
 */
export interface RiskModel {
  readonly name: string;
  score(input: RiskInput, options: { signal: AbortSignal }): Promise<number>;
}
