export { ageFactor, combineRisk, defaultRiskHeuristic, historyFactor, resolveRiskHeuristic, volatilityFactor, type RiskHeuristicOptions } from './factors.js';
export { createRiskScorer, type InstanceRiskRequest, type RiskScorer, type RiskScorerDeps } from './risk-scorer.js';
export { byPriceThenRisk, choosePool, emergencyOrder, type PoolChoice, type PoolChoiceRules, type ScoredCandidate } from './pool-choice.js';
export { timeOfDayInterruptions, utcHour, type TimeOfDayOptions } from './time-of-day.js';
export { riskHeuristicEnvNames, riskHeuristicFromEnv } from './heuristic-env.js';
