import { defineConfig } from 'vitest/config';

// The core's tests as Stryker runs them: in a sandbox copy of this package alone, so without the
// workspace's shared config (the core's tests import only its own sources).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
