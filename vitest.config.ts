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
          // Node processes the tests start run their hash threads at the process's priority (see test/support/app.ts).
          env: { HASH_THREAD_NICE: '0' },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      './vitest.worker.config.ts',
    ],
  },
});
