import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // One copy of the engine in a test process: the server's and client's code under test, and the
    // engine's own test harnesses they reuse (the cluster runs the engine's behaviour suite), all
    // load the engine from source, so its classes (RatestoreError, Staging...) are the same ones.
    alias: [
      { find: /^@ratestore\/core$/, replacement: fileURLToPath(new URL('./packages/core/src/index.ts', import.meta.url)) },
      { find: /^@ratestore\/core\/contract$/, replacement: fileURLToPath(new URL('./packages/core/src/contract/index.ts', import.meta.url)) }
    ]
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'deploy/test/**/*.test.ts'],
    // PostgreSQL failover under Patroni takes one to two minutes: `npm run test:failover` runs it
    // (vitest.failover.config.ts). RATESTORE_DEPLOY_TESTS=0 leaves out the other deploy tests too,
    // for a second pass of the suite that needs them once only (.ci/run).
    exclude: [...configDefaults.exclude, 'deploy/test/failover.test.ts', ...(process.env.RATESTORE_DEPLOY_TESTS === '0' ? ['deploy/test/**'] : [])],
    // Crash and server-process tests spawn children; keep the 2-core machine from oversubscribing.
    maxWorkers: 2,
    minWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
});
