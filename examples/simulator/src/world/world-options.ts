/**
 * The simulated world's parameters. Each default says where it comes from: an AWS figure where AWS
 * publishes one, otherwise an assumption stated as such (change it on the command line).
 */
export interface WorldOptions {
  /** Seed of every random draw of the world (one PRNG, no `Math.random`). @default 1 */
  readonly seed?: number;
  /** Agents (one workload on one spot instance each). @default 1000 */
  readonly agents?: number;
  /** Simulated days. @default 30 */
  readonly days?: number;
  /** First simulated instant, unix ms. @default Date.UTC(2026, 0, 1) */
  readonly start?: number;
  /**
   * Interruption-frequency bands, % of instances interrupted per month: the Spot Instance Advisor's
   * `<5 %, 5–10 %, 10–15 %, 15–20 %, >20 %` (the open band drawn as 20–30 %). Each pool gets one band and a
   * frequency drawn uniformly inside it.
   * @default [[0, 5], [5, 10], [10, 15], [15, 20], [20, 30]]
   */
  readonly bands?: readonly (readonly [number, number])[];
  /**
   * Share of pools in each band (same order as `bands`). Assumption: most pools of common types are in the
   * lowest band, as the Advisor shows for them. @default [0.45, 0.2, 0.15, 0.1, 0.1]
   */
  readonly bandShares?: readonly number[];
  /**
   * Share of a pool's instances reclaimed when its capacity runs short (a "crunch"). Crunches come at
   * `frequency / reclaimShare` per month, so each instance is interrupted at its band's frequency.
   * Assumption. @default 0.5
   */
  readonly reclaimShare?: number;
  /**
   * Share of crunches whose rebalance recommendations come before the termination notices; the others
   * arrive together with the notice, which AWS documents as possible. Assumption. @default 0.8
   */
  readonly warnedShare?: number;
  /**
   * Lead time of a rebalance recommendation before the termination notice, minutes, drawn log-uniformly.
   * AWS: the recommendation "can arrive sooner than the two-minute Spot Instance interruption notice" and
   * gives no figure; assumption. @default [10, 180]
   */
  readonly rebalanceLeadMinutes?: readonly [number, number];
  /**
   * Rebalance episodes with no interruption after them (false alarms), per crunch of the pool. AWS: an
   * instance may "not be interrupted even after receiving a rebalance recommendation"; assumption. @default 1
   */
  readonly falseAlarmsPerCrunch?: number;
  /** Time from a termination notice to the action, seconds (AWS: two minutes). @default 120 */
  readonly noticeSeconds?: number;
  /**
   * After a crunch the pool has no spot capacity for this long, minutes (launches there fail with
   * `InsufficientInstanceCapacity`). Assumption. @default 60
   */
  readonly capacityRecoveryMinutes?: number;
  /** Spot price as a share of on-demand, drawn per pool (AWS: "up to 90 %" off; typical 55–75 %). @default [0.25, 0.45] */
  readonly spotShare?: readonly [number, number];
  /** Hourly relative price step, drawn per pool from [0, this] (some pools calm, some volatile). Assumption. @default 0.04 */
  readonly priceVolatility?: number;
  /** Before a crunch the price rises linearly by this share, capped at on-demand. Assumption. @default 0.6 */
  readonly priceRise?: number;
  /** Hours over which the price rises before a crunch. Assumption. @default 6 */
  readonly priceRiseHours?: number;
}

export type ResolvedWorldOptions = Required<WorldOptions>;

export const defaultWorldOptions: ResolvedWorldOptions = Object.freeze({
  seed: 1,
  agents: 1000,
  days: 30,
  start: Date.UTC(2026, 0, 1),
  bands: [[0, 5], [5, 10], [10, 15], [15, 20], [20, 30]] as const,
  bandShares: [0.45, 0.2, 0.15, 0.1, 0.1],
  reclaimShare: 0.5,
  warnedShare: 0.8,
  rebalanceLeadMinutes: [10, 180] as const,
  falseAlarmsPerCrunch: 1,
  noticeSeconds: 120,
  capacityRecoveryMinutes: 60,
  spotShare: [0.25, 0.45] as const,
  priceVolatility: 0.04,
  priceRise: 0.6,
  priceRiseHours: 6,
});

/** Every option out of range, each named with its rule; empty when all is well. */
export function worldOptionProblems(o: ResolvedWorldOptions): string[] {
  const problems: string[] = [];
  const need = (ok: boolean, name: string, rule: string, value: unknown) => {
    if (!ok) problems.push(`${name} must be ${rule} (got ${JSON.stringify(value)})`);
  };
  const num = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  const pair = (x: unknown) => Array.isArray(x) && x.length === 2 && num(x[0]) && num(x[1]) && x[0] <= x[1];
  need(Number.isInteger(o.seed), 'seed', 'a whole number', o.seed);
  need(Number.isInteger(o.agents) && o.agents >= 1, 'agents', 'a whole number of at least 1', o.agents);
  need(num(o.days) && o.days > 0 && o.days <= 3650, 'days', 'a number above 0 and at most 3650', o.days);
  need(num(o.start), 'start', 'a unix time in ms', o.start);
  need(Array.isArray(o.bands) && o.bands.length > 0 && o.bands.every((b) => pair(b) && b[0] >= 0), 'bands', 'a list of [low, high] % pairs, 0 or more', o.bands);
  need(
    Array.isArray(o.bandShares) && o.bandShares.length === o.bands.length && o.bandShares.every((s) => num(s) && s >= 0) && Math.abs(o.bandShares.reduce((a, b) => a + b, 0) - 1) < 1e-9,
    'bandShares', 'one share of 0 or more per band, adding up to 1', o.bandShares,
  );
  need(num(o.reclaimShare) && o.reclaimShare > 0 && o.reclaimShare <= 1, 'reclaimShare', 'above 0 and at most 1', o.reclaimShare);
  need(num(o.warnedShare) && o.warnedShare >= 0 && o.warnedShare <= 1, 'warnedShare', 'from 0 to 1', o.warnedShare);
  need(pair(o.rebalanceLeadMinutes) && o.rebalanceLeadMinutes[0] > 0, 'rebalanceLeadMinutes', '[low, high] minutes with 0 < low <= high', o.rebalanceLeadMinutes);
  need(num(o.falseAlarmsPerCrunch) && o.falseAlarmsPerCrunch >= 0, 'falseAlarmsPerCrunch', '0 or more', o.falseAlarmsPerCrunch);
  need(num(o.noticeSeconds) && o.noticeSeconds > 0, 'noticeSeconds', 'above 0', o.noticeSeconds);
  need(num(o.capacityRecoveryMinutes) && o.capacityRecoveryMinutes >= 0, 'capacityRecoveryMinutes', '0 or more', o.capacityRecoveryMinutes);
  need(pair(o.spotShare) && o.spotShare[0] > 0 && o.spotShare[1] <= 1, 'spotShare', '[low, high] shares of on-demand in (0, 1]', o.spotShare);
  need(num(o.priceVolatility) && o.priceVolatility >= 0 && o.priceVolatility < 0.5, 'priceVolatility', 'from 0 to under 0.5', o.priceVolatility);
  need(num(o.priceRise) && o.priceRise >= 0, 'priceRise', '0 or more', o.priceRise);
  need(num(o.priceRiseHours) && o.priceRiseHours > 0, 'priceRiseHours', 'above 0', o.priceRiseHours);
  return problems;
}
