import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources (the `@sef/source` export condition),
// so tests never need a build first. `module` is dropped: it breaks the AWS SDK under SSR.
export const sharedConfig = defineConfig({
  ssr: {
    resolve: {
      conditions: ['@sef/source', ...defaultServerConditions.filter((c) => c !== 'module')],
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
