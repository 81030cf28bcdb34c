import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The workerd tests run under their own config (vitest.worker.config.ts), started from test/runtime/worker.test.ts.
    exclude: ['test/worker/**', 'node_modules/**'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
