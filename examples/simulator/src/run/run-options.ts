import { realisticLatencies, type SimLatencies } from '@sef/core';

/** How the fleet and the cloud behave around SEF, besides the world's pools and signals. */
export interface RunOptions {
  /**
   * Cloud latencies (ms): core's `realisticLatencies` (EC2 accepts a launch in ~1.2 s, runs it ~40 s later,
   * moves an Elastic IP in ~2 s), with a snapshot call of 20 s and 40 s to restore volumes from snapshots
   * before a restored instance runs (assumptions).
   * @default { ...realisticLatencies, snapshot: 20000, restore: 40000 }
   */
  readonly latencies?: Partial<SimLatencies>;
  /** Each latency is drawn within ±this share of its value. @default 0.5 */
  readonly latencySpread?: number;
  /** Time a running standby takes to sync the workload's state and report `ready`, seconds (±spread). Assumption. @default 60 */
  readonly syncSeconds?: number;
  /** After a failed failover, an operator (or an auto-scaling health check) relaunches the workload this much later, minutes. Assumption. @default 15 */
  readonly recoveryMinutes?: number;
  /** Spacing of the sampled price reports, seconds (SEF's grid). @default 300 */
  readonly reportEverySeconds?: number;
  /**
   * Agents that report the price of the pool they started in through SEF, from the instance that serves
   * them (the first ones): at 1,000 agents a full stream is millions of reports per policy, so the
   * interpolated share is measured on this sample.
   * @default 50
   */
  readonly reportingAgents?: number;
}

export type ResolvedRunOptions = Required<RunOptions> & { readonly latencies: SimLatencies };

export const defaultRunOptions: ResolvedRunOptions = Object.freeze({
  latencies: Object.freeze({ ...realisticLatencies, snapshot: 20_000, restore: 40_000 }),
  latencySpread: 0.5,
  syncSeconds: 60,
  recoveryMinutes: 15,
  reportEverySeconds: 300,
  reportingAgents: 50,
});

/** Fills the defaults; throws a `RangeError` naming every bad option. */
export function resolveRunOptions(options: RunOptions = {}): ResolvedRunOptions {
  const o = { ...defaultRunOptions, ...options, latencies: { ...defaultRunOptions.latencies, ...options.latencies } };
  const problems: string[] = [];
  const need = (ok: boolean, name: string, rule: string, value: unknown) => {
    if (!ok) problems.push(`${name} must be ${rule} (got ${JSON.stringify(value)})`);
  };
  const nonNegative = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x >= 0;
  for (const [k, v] of Object.entries(o.latencies)) need(nonNegative(v), `latencies.${k}`, '0 or more ms', v);
  need(nonNegative(o.latencySpread) && o.latencySpread < 1, 'latencySpread', 'from 0 to under 1', o.latencySpread);
  need(nonNegative(o.syncSeconds), 'syncSeconds', '0 or more', o.syncSeconds);
  need(nonNegative(o.recoveryMinutes), 'recoveryMinutes', '0 or more', o.recoveryMinutes);
  need(nonNegative(o.reportEverySeconds) && o.reportEverySeconds >= 60, 'reportEverySeconds', 'at least 60', o.reportEverySeconds);
  need(Number.isInteger(o.reportingAgents) && o.reportingAgents >= 0, 'reportingAgents', 'a whole number of 0 or more', o.reportingAgents);
  if (problems.length > 0) throw new RangeError(`Invalid run options: ${problems.join('; ')}`);
  return o;
}
