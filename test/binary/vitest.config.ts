import { defineConfig } from 'vitest/config';

// `npm run test:binary`: builds dist/refrocket (~100 MB) and runs it as a user would. Kept out of
// the default suite (vitest.config.ts only includes *.test.ts) because of the build cost.
export default defineConfig({
  test: {
    include: ['test/binary/**/*.binary.ts'],
    testTimeout: 30_000,
    hookTimeout: 240_000,
  },
});
