import { defineConfig } from 'vitest/config';

// One DynamoDB Local and one synthesized template per config per run (test/global-setup.ts, run once
// by the root config; its provided values reach every project); each integration suite creates its
// own uniquely prefixed tables so suites can run in parallel workers.
const shared = { pool: 'forks', testTimeout: 30_000, hookTimeout: 120_000 } as const;

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default'],
    // Projects do not extend the root config (no `extends`), so the global setup runs once, not per project.
    projects: [
      { test: { ...shared, name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          ...shared,
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          // CDK assertion suites share no state but the loaded CDK (~7 s CPU to load in a process):
          // one process runs several of them instead of loading it once per file.
          isolate: false,
        },
      },
      {
        test: { ...shared, name: 'integration', include: ['test/integration/**/*.test.ts'] },
      },
    ],
  },
});
