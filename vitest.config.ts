import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['client/test/**/*.test.ts'],
    globalSetup: ['client/test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each test file gets its own databases; files run in parallel on the two cores.
    pool: 'forks',
  },
});
