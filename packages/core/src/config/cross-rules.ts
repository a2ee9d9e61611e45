import type { Issue } from '../errors/index.js';

/** The settings a cross-setting rule compares (the shape of `configSchema` before its refinements). */
interface Settings {
  readonly interpolationStep: number;
  readonly interpolationMaxGap: number;
  readonly dualSourceTimeTolerance: number;
  readonly minPrice: number;
  readonly maxPrice: number;
  readonly riskWeights: { readonly interruptionHistory: number; readonly instanceAge: number; readonly priceVolatility: number };
}

/** A rule between settings: the settings it reads, and its problem, if any, named at `path`. */
interface CrossRule {
  readonly reads: readonly (keyof Settings)[];
  readonly path: keyof Settings;
  problem(c: Settings): string | undefined;
}

const crossRules: readonly CrossRule[] = [
  {
    reads: ['interpolationStep', 'interpolationMaxGap'],
    path: 'interpolationStep',
    problem: (c) => (c.interpolationStep > c.interpolationMaxGap ? `must not exceed interpolationMaxGap (${c.interpolationMaxGap})` : undefined),
  },
  {
    reads: ['dualSourceTimeTolerance', 'interpolationStep'],
    path: 'dualSourceTimeTolerance',
    problem: (c) => (c.dualSourceTimeTolerance * 2 >= c.interpolationStep ? `must be less than half of interpolationStep (${c.interpolationStep / 2})` : undefined),
  },
  {
    reads: ['minPrice', 'maxPrice'],
    path: 'minPrice',
    problem: (c) => (c.minPrice >= c.maxPrice ? `must be less than maxPrice (${c.maxPrice})` : undefined),
  },
  {
    reads: ['riskWeights'],
    path: 'riskWeights',
    problem: ({ riskWeights: w }) => {
      const sum = w.interruptionHistory + w.instanceAge + w.priceVolatility;
      return Math.abs(sum - 1) > 1e-9 ? `weights must add up to 1 (they add up to ${sum})` : undefined;
    },
  },
];

/**
 * The problems between settings (a step longer than the longest fillable gap, weights that do not add up
 * to 1, ...). Rules that read a setting in `unusable` (itself invalid) are skipped, so a bad value is named
 * once, by its own problem, and the other rules still run on the settings that are valid.
 */
export function crossSettingIssues(c: Settings, unusable: ReadonlySet<string> = new Set()): Issue[] {
  const issues: Issue[] = [];
  for (const rule of crossRules) {
    if (rule.reads.some((key) => unusable.has(key))) continue;
    const message = rule.problem(c);
    if (message !== undefined) issues.push({ path: rule.path, code: 'custom', message });
  }
  return issues;
}
