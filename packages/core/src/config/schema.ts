import { z } from 'zod';
import { crossSettingIssues } from './cross-rules.js';

const seconds = (def: number) => z.number().finite().positive().default(def);
const share = (def: number) => z.number().finite().min(0).max(1).default(def);

/**
 * Every SEF setting with the spec's defaults, each on its own. Durations are in seconds, shares in [0, 1].
 * The README's configuration table documents each one with its `SEF_*` environment variable.
 */
export const configFields = z
  .object({
    /** Longest a report waits in the dedupe buffer for its twin (primary/replica) before it is stored alone. @default 300 */
    dataRetentionWindow: seconds(300),
    /** A gap between consecutive real points longer than this emits `gap.detected`. @default 600 */
    gapDetectionThreshold: seconds(600),
    /** Longest gap that is filled by linear interpolation; longer ones stay open (`gap.unfillable`). @default 1800 */
    interpolationMaxGap: seconds(1800),
    /** Spacing of interpolated points, counted from the left neighbour of the gap. @default 300 */
    interpolationStep: seconds(300),
    /** Relative difference under which the primary's value is kept (`verified_dual_source`). @default 0.005 */
    dualSourcePriceTolerance: share(0.005),
    /** Reports of primary and replica whose timestamps differ by at most this are one observation. @default 30 */
    dualSourceTimeTolerance: z.number().finite().min(0).default(30),
    /** Oldest report accepted, as an age relative to the clock. @default 86400 */
    maxReportAge: seconds(86_400),
    /** How far in the future a report's timestamp may lie (clock skew of the agent). @default 300 */
    maxClockSkew: z.number().finite().min(0).default(300),
    /** Lowest accepted price (exclusive): a spot price is never zero or negative. @default 0 */
    minPrice: z.number().finite().min(0).default(0),
    /** Highest accepted price in USD per hour (inclusive). @default 1000 */
    maxPrice: z.number().finite().positive().default(1000),
    /** Decimal places kept for averaged and interpolated prices, so results are exact and portable. @default 8 */
    pricePrecision: z.number().int().min(0).max(12).default(8),
    /** Risk score at or above which a replica is started on a rebalance recommendation. @default 0.3 */
    rebalanceRiskThreshold: share(0.3),
    /** Time from a termination notice to the instance's end: every failover step runs under it. @default 120 */
    terminationGracePeriod: seconds(120),
    /** Interval of the housekeeping sweep (expired buffer entries, unused replicas, alerts). @default 300 */
    cleanupInterval: seconds(300),
    /** Weights of the heuristic risk factors; they must add up to 1. */
    riskWeights: z
      .object({
        /** @default 0.4 */
        interruptionHistory: share(0.4),
        /** @default 0.3 */
        instanceAge: share(0.3),
        /** @default 0.3 */
        priceVolatility: share(0.3),
      })
      .prefault({}),
    /** Deadline for an external risk model's answer before the heuristic takes over. @default 2 */
    riskModelTimeout: seconds(2),
    /** An auto replica not followed by a termination notice within this is terminated (when auto-terminate is on). @default 1800 */
    unusedReplicaTimeout: seconds(1800),
    /** A pool that just interrupted one of our instances is avoided for this long. @default 3600 */
    poolCooldown: z.number().finite().min(0).default(3600),
    /** Fall back to an on-demand instance when no spot pool is safe. @default false */
    allowOnDemandFallback: z.boolean().default(false),
    /** Alert when the share of interpolated points of a day exceeds this. @default 0.2 */
    interpolatedShareAlert: share(0.2),
    /** Alert when the average replica ready time exceeds this many seconds. @default 180 */
    replicaReadyTimeAlert: seconds(180),
    /**
     * The reconciliation sweep leaves alone an instance SEF launched less than this long ago (its record may
     * still be being written), and an instance whose record ended less than this long ago. @default 600
     */
    orphanMinAge: seconds(600),
    /**
     * After a failover, reports the former primary observed up to its termination time are accepted for
     * this long (stored as its series' primary reports): a replica path loses no data. 0 turns it off.
     * @default 600
     */
    formerPrimaryGrace: z.number().finite().min(0).default(600),
  })
  .strict();

/**
 * Every SEF setting with the spec's defaults, and the rules between settings ({@link crossSettingIssues}).
 * `parseConfig` names every problem at once, also those between settings when some setting is invalid.
 */
export const configSchema = configFields.superRefine((c, ctx) => {
  for (const issue of crossSettingIssues(c)) ctx.addIssue({ code: 'custom', path: [issue.path], message: issue.message });
});

/** A complete, validated configuration. */
export type SefConfig = Readonly<z.output<typeof configFields>>;
/** What a caller may pass: any subset of the settings. */
export type SefConfigInput = z.input<typeof configFields>;
