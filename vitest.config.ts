import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // CDK synthesis (esbuild bundling) and end-to-end tests that boot the local stack are slow by nature.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
