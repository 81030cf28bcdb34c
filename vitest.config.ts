import { defineConfig } from 'vitest/config';

// `npm test` runs both projects: the Node suite and the workerd suite (vitest.worker.config.ts).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/worker/**', 'node_modules/**'],
          environment: 'node',
          globalSetup: ['./test/support/global-build.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      './vitest.worker.config.ts',
    ],
  },
});
