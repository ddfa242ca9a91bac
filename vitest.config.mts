import { defineConfig } from 'vitest/config';

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
          globalSetup: ['./test/helpers/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
