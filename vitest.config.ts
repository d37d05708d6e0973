import { defineConfig } from 'vitest/config';

// Two projects: unit tests (pure logic, no services) and integration tests (a real Elasticsearch, started by the
// global setup when none is running, real models, real HTTP).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'service/**/*.test.ts', 'training/**/*.test.ts', 'mappings/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/setup/global-es.ts'],
          testTimeout: 180_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
