import { defineConfig } from 'vitest/config';

// The end-to-end tests: the built playground in Debian's Chromium. Not part of
// `npm test`; `npm run test:e2e` builds the playground and runs them, and so
// does .ci/run after the unit tests.
export default defineConfig({
  test: {
    include: ['test-e2e/**/*.e2e.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
