import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Each test file builds its own app on a fresh :memory: database, so files run in parallel safely.
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
