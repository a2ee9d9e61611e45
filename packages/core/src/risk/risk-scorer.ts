import type { SefConfig } from '../config/index.js';
import type { RiskFactors, RiskScore } from '../events/event-map.js';
import type { Clock } from '../ports/clock.js';
import type { EventStore } from '../ports/event-store.js';
import type { PriceFeed } from '../ports/price-feed.js';
import type { RiskModel } from '../ports/risk-model.js';
import type { SefEmit } from '../failover/emit.js';
import { abortable, timeoutSignal } from '../failover/deadline.js';
import { ageFactor, combineRisk, historyFactor, resolveRiskHeuristic, volatilityFactor, type RiskHeuristicOptions } from './factors.js';
import { timeOfDayInterruptions, utcHour } from './time-of-day.js';

export interface RiskScorerDeps {
  readonly events: EventStore;
  readonly priceFeed: PriceFeed;
  readonly clock: Clock;
  readonly config: SefConfig;
  readonly emit: SefEmit;
  /** An external model consulted first; the heuristic stands in when it fails. @default undefined */
  readonly riskModel?: RiskModel | undefined;
  /** Constants of the heuristic's formulas. @default defaultRiskHeuristic */
  readonly heuristic?: RiskHeuristicOptions | undefined;
}

export interface InstanceRiskRequest {
  readonly agentId: string;
  readonly poolId: string;
  readonly instanceId?: string;
  /** Launch time of the instance (ms): the age factor. */
  readonly launchedAt: number;
  readonly signal?: AbortSignal;
}

export interface RiskScorer {
  /** The heuristic factors of an instance in a pool (age 0 for an instance not launched yet). */
  factors(poolId: string, launchedAt: number, signal?: AbortSignal): Promise<RiskFactors>;
  /**
   * The risk of a running instance: the model's answer when valid, else the heuristic. Stores it as the
   * agent's `risk.scored` system event and emits `risk.scored`.
   */
  scoreInstance(request: InstanceRiskRequest): Promise<RiskScore>;
  /** The heuristic risk of a fresh instance in `poolId` (pool choice; the model is not asked). */
  poolRisk(poolId: string, signal?: AbortSignal): Promise<{ score: number; factors: RiskFactors }>;
}

/**
 * Scores interruption risk from stored interruption events, the instance's launch time and the pool's
 * price history, weighted by `config.riskWeights`; see {@link RiskHeuristicOptions} for the formulas.
 * @example
 * const risk = createRiskScorer({ events: storage.events, priceFeed, clock, config, emit });
 * const { score } = await risk.scoreInstance({ agentId: 'a1', poolId: 'us-east-1a:c5.large', launchedAt });
 */
export function createRiskScorer(deps: RiskScorerDeps): RiskScorer {
  const { events, priceFeed, clock, config, emit, riskModel } = deps;
  const h = resolveRiskHeuristic(deps.heuristic);
  const timeOfDay = { weight: h.timeOfDayWeight, windowHours: h.timeOfDayWindowHours, prior: h.timeOfDayPrior };

  const factors = async (poolId: string, launchedAt: number, signal?: AbortSignal): Promise<RiskFactors> => {
    const now = clock.now();
    const callOptions = signal ? { signal } : {};
    const [byHour, history] = await Promise.all([
      events.interruptionsByHour(poolId, now - h.historyWindowMs),
      priceFeed.priceHistory(poolId, now - h.volatilityWindowMs, now, callOptions),
    ]);
    return {
      interruptionHistory: historyFactor(timeOfDayInterruptions(byHour, utcHour(now), timeOfDay), h.historyScale),
      instanceAge: ageFactor(now - launchedAt, h.ageHorizonMs),
      priceVolatility: volatilityFactor(history, now - h.volatilityWindowMs, now, h.volatilityScale),
    };
  };

  const askModel = async (model: RiskModel, request: InstanceRiskRequest, f: RiskFactors): Promise<number | string> => {
    const { signal, cancel } = timeoutSignal(clock, config.riskModelTimeout * 1000, request.signal);
    try {
      const input = { agentId: request.agentId, poolId: request.poolId, now: clock.now(), factors: f, ...(request.instanceId ? { instanceId: request.instanceId } : {}) };
      const answer = await abortable(model.score(input, { signal }), signal);
      if (typeof answer !== 'number' || !Number.isFinite(answer) || answer < 0 || answer > 1) return `invalid answer: ${String(answer)}`;
      return answer;
    } catch (error) {
      if (signal.aborted && !request.signal?.aborted) return `timed out after ${config.riskModelTimeout} s`;
      return `threw: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      cancel();
    }
  };

  return {
    factors,
    async scoreInstance(request) {
      const f = await factors(request.poolId, request.launchedAt, request.signal);
      let score = combineRisk(f, config.riskWeights);
      let source = 'heuristic';
      if (riskModel) {
        const answer = await askModel(riskModel, request, f);
        if (typeof answer === 'number') {
          score = answer;
          source = riskModel.name;
        } else emit('risk.model_fallback', { agentId: request.agentId, model: riskModel.name, reason: answer });
      }
      const result: RiskScore = { agentId: request.agentId, poolId: request.poolId, score, factors: f, source, at: clock.now() };
      // Kept with the agent's events, so every SEF instance (and the dashboard behind any of them) reads the latest.
      await events.appendSystemEvent({ eventType: 'risk.scored', agentId: request.agentId, createdAt: result.at, payload: { poolId: result.poolId, score, factors: f, source } });
      emit('risk.scored', result);
      return result;
    },
    async poolRisk(poolId, signal) {
      const f = await factors(poolId, clock.now(), signal);
      return { score: combineRisk(f, config.riskWeights), factors: f };
    },
  };
}
