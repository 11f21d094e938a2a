import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // CDK synthesis (esbuild bundling) and end-to-end tests that boot the local stack are slow by nature.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The run's temporary files in one folder, removed when it ends (the CDK leaves a cdk.out per synth).
    globalSetup: ['test/support/test-run-tmpdir.ts'],
    // Vitest's default is one worker fewer than the cores: one on a two-core CI machine. Most of the
    // slow files wait (timers, child processes, the local stack) rather than compute, so two
    // workers nearly halve the run there (README "Scripts").
    maxWorkers: 2,
  },
});
