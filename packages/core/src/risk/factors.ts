import type { PriceChange } from '../ports/price-feed.js';
import type { RiskFactors } from '../events/event-map.js';
import { ConfigError } from '../errors/index.js';

/**
 * The heuristic's constants. Every factor is in [0, 1]; the formulas are those of the README:
 *
 * - **interruption history** `h = 1 − exp(−n / k)`, with `n` the termination notices that hit the pool in
 *   the last `historyWindowMs` and `k = historyScale` (one interruption with k = 2 gives 0.39, three 0.78),
 *   `n` shaped by time of day (see `timeOfDayInterruptions`: interruptions near the current UTC hour
 *   count more, others less; an even spread changes nothing);
 * - **instance age** `a = min(1, age / ageHorizonMs)` (a fresh instance 0, one `ageHorizonMs` old or more 1);
 * - **price volatility** `v = min(1, cv / volatilityScale)` with `cv = σ / μ`, the coefficient of variation
 *   of the step-function price over the last `volatilityWindowMs`, weighted by how long each price held.
 */
export interface RiskHeuristicOptions {
  /** Interruptions counted this far back (ms). @default 2_592_000_000 (30 days) */
  readonly historyWindowMs?: number;
  /** `k` of the history factor: interruptions at which it reaches 1 − 1/e. @default 2 */
  readonly historyScale?: number;
  /** α of the time-of-day shaping, in [0, 1]: 0 counts every interruption alike. @default 0.5 */
  readonly timeOfDayWeight?: number;
  /** W: the hours on each side of the current UTC hour that count as "this time of day" (0–11). @default 1 */
  readonly timeOfDayWindowHours?: number;
  /** s: pseudo-interruptions spread over the day, so that a few events make a weak pattern. @default 4 */
  readonly timeOfDayPrior?: number;
  /** Age at which the age factor reaches 1 (ms). @default 604_800_000 (7 days) */
  readonly ageHorizonMs?: number;
  /** Price history looked at for volatility (ms). @default 86_400_000 (24 h) */
  readonly volatilityWindowMs?: number;
  /** Coefficient of variation at which the volatility factor reaches 1. @default 0.2 */
  readonly volatilityScale?: number;
}

export type ResolvedRiskHeuristic = Required<RiskHeuristicOptions>;

export const defaultRiskHeuristic: ResolvedRiskHeuristic = Object.freeze({
  historyWindowMs: 30 * 86_400_000,
  historyScale: 2,
  timeOfDayWeight: 0.5,
  timeOfDayWindowHours: 1,
  timeOfDayPrior: 4,
  ageHorizonMs: 7 * 86_400_000,
  volatilityWindowMs: 86_400_000,
  volatilityScale: 0.2,
});

/** Each constant of `h` out of range, with the rule it breaks. */
export function riskHeuristicProblems(h: ResolvedRiskHeuristic): { key: keyof RiskHeuristicOptions; rule: string }[] {
  const problems: { key: keyof RiskHeuristicOptions; rule: string }[] = [];
  const check = (key: keyof RiskHeuristicOptions, ok: (x: number) => boolean, rule: string) => {
    const x = h[key];
    if (typeof x !== 'number' || !Number.isFinite(x) || !ok(x)) problems.push({ key, rule });
  };
  for (const key of ['historyWindowMs', 'historyScale', 'ageHorizonMs', 'volatilityWindowMs', 'volatilityScale'] as const) check(key, (x) => x > 0, 'a number above 0');
  check('timeOfDayWeight', (x) => x >= 0 && x <= 1, 'a number from 0 to 1');
  check('timeOfDayWindowHours', (x) => Number.isInteger(x) && x >= 0 && x <= 11, 'a whole number from 0 to 11');
  check('timeOfDayPrior', (x) => x >= 0, 'a number of 0 or more');
  return problems;
}

/** The heuristic's constants with the defaults filled in; throws `ConfigError` naming every value out of range. */
export function resolveRiskHeuristic(options: RiskHeuristicOptions | undefined): ResolvedRiskHeuristic {
  const h = { ...defaultRiskHeuristic, ...options };
  const problems = riskHeuristicProblems(h);
  if (problems.length > 0) {
    throw new ConfigError(problems.map(({ key, rule }) => ({ path: `riskHeuristic.${key}`, code: 'out_of_range', message: `must be ${rule} (got ${String(h[key])})` })));
  }
  return h;
}

const clip01 = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

/** `1 − exp(−n / k)`: 0 with no interruption, approaching 1 as they accumulate. */
export function historyFactor(interruptions: number, scale = defaultRiskHeuristic.historyScale): number {
  return clip01(1 - Math.exp(-Math.max(0, interruptions) / scale));
}

/** `min(1, age / horizon)`; a launch time in the future counts as age 0. */
export function ageFactor(ageMs: number, horizonMs = defaultRiskHeuristic.ageHorizonMs): number {
  return clip01(ageMs / horizonMs);
}

/**
 * Time-weighted coefficient of variation of a step-function price over `[from, to]`, scaled and clipped.
 * `history` is oldest first and may start before `from` (the price in force at `from`). No price, one
 * constant price, or a non-positive mean gives 0.
 */
export function volatilityFactor(history: readonly PriceChange[], from: number, to: number, scale = defaultRiskHeuristic.volatilityScale): number {
  if (to <= from || history.length === 0) return 0;
  let weight = 0;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < history.length; i++) {
    const p = history[i]!;
    const start = Math.max(from, p.time);
    const end = Math.min(to, history[i + 1]?.time ?? to);
    if (end <= start || !Number.isFinite(p.price)) continue;
    const w = end - start;
    weight += w;
    sum += w * p.price;
    sumSq += w * p.price * p.price;
  }
  if (weight === 0) return 0;
  const mean = sum / weight;
  if (mean <= 0) return 0;
  const variance = Math.max(0, sumSq / weight - mean * mean);
  return clip01(Math.sqrt(variance) / mean / scale);
}

/** The weighted sum of the factors, clipped to [0, 1] (weights add up to 1, validated by the config). */
export function combineRisk(factors: RiskFactors, weights: RiskFactors): number {
  return clip01(
    weights.interruptionHistory * factors.interruptionHistory +
      weights.instanceAge * factors.instanceAge +
      weights.priceVolatility * factors.priceVolatility,
  );
}
