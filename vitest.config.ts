import { defineConfig } from 'vitest/config';

export default defineConfig({
  // `import ... from 'sms-monitor'` in tests resolves to the TypeScript sources (package.json's
  // "sms-monitor-source" export condition), not to the built dist/.
  // (Vite resolves a server-side import with ssr.resolve.conditions, not resolve.conditions.)
  resolve: { conditions: ['sms-monitor-source'] },
  ssr: { resolve: { conditions: ['sms-monitor-source'], externalConditions: ['sms-monitor-source'] } },
  test: {
    include: ['client/test/**/*.test.ts', 'notifier/test/**/*.test.ts', 'cli/test/**/*.test.ts', 'server/test/**/*.test.ts',
      'docker/test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each test file gets its own databases (test/db.ts clones the migrated template), so files
    // run in parallel. vitest's default is one worker per core minus one, a single worker on two
    // cores: the files then ran one after another although most of their time is spent waiting
    // on PostgreSQL, child processes and fake servers. VITEST_MAX_WORKERS overrides the count.
    pool: 'forks',
    maxWorkers: 4,
  },
});
