import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Each test file builds its own app on a fresh :memory: database, so files run in parallel safely.
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Off in `npm test` (it costs time on every local run); .ci/run passes --coverage, so CI measures
    // it in its one run of the suite and fails below the thresholds. `npm run coverage` locally.
    // Only code that runs inside the test processes counts: the CLI and collectors started as child
    // processes (reliability, postgres, CLI tests) are exercised but not measured.
    coverage: {
      provider: 'v8',
      include: ['server/**/*.ts', 'sdk/**/*.ts', 'client/**/*.ts'],
      exclude: ['server/sea-main.ts', 'server/sea-assets.ts', 'server/main.ts', 'server/types/**'],
      reporter: ['text-summary', 'json-summary'],
      reportsDirectory: '.tmp/coverage',
      reportOnFailure: true,
      // Just under what a subset of the suite measured (api, store, data-transfer, bad-input:
      // statements 66.95%, branches 57.68%, functions 66.18%, lines 70.57%); the whole suite
      // covers at least that. Raise them once a full run's figure is known.
      thresholds: { statements: 65, branches: 55, functions: 64, lines: 68 },
    },
  },
});
