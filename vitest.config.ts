import { defineConfig } from 'vitest/config';

// One DynamoDB Local and one synthesized template per run (test/global-setup.ts); each integration
// suite creates its own uniquely prefixed tables so suites can run in parallel workers.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
