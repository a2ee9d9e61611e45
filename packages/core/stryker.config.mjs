// Mutation testing of the core's rules (`pnpm mutate` at the root, or `pnpm mutate -- --mutate 'src/timeline/**/*.ts'`
// for one folder). Incremental: results of unchanged code and tests are reused from the committed
// reports/stryker-incremental.json, so a run after a small change only tests the mutants it touches.
// pnpm does not put the runner beside Stryker's own package, so name it by its resolved path.
const vitestRunner = import.meta.resolve('@stryker-mutator/vitest-runner');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: [vitestRunner],
  vitest: { configFile: 'vitest.stryker.config.ts' },
  mutate: [
    'src/timeline/**/*.ts',
    'src/dedupe/**/*.ts',
    'src/validation/**/*.ts',
    'src/modes/**/*.ts',
    'src/failover/**/*.ts',
    '!src/**/index.ts',
  ],
  coverageAnalysis: 'perTest',
  ignoreStatic: true,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  thresholds: { high: 90, low: 85, break: null },
  concurrency: 2,
  timeoutMS: 10000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
