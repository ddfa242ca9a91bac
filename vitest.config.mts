import { defineConfig } from 'vitest/config';

const CLUSTER_TESTS = 'test/integration/cluster-failover.test.ts';

export default defineConfig({
  test: {
    reporters: ['default', './test/helpers/count-reporter.ts'],
    // Two cores: the broker and emulators take one, test files share the other two workers.
    maxWorkers: 2,
    projects: [
      {
        // Some unit tests synthesize small CDK apps in-process, which takes seconds on a busy machine.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 30_000 },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: [CLUSTER_TESTS],
          globalSetup: ['./test/helpers/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The 3-broker cluster kills, pauses and moves brokers under the probe and times its recovery: it runs
        // after the rest, with the machine to itself, so its timings measure the probe, not the other tests.
        test: {
          name: 'cluster',
          include: [CLUSTER_TESTS],
          sequence: { groupOrder: 1 },
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
