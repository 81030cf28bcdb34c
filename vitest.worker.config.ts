/**
 * The workerd tests: the worker entry (src/main.worker.ts) runs inside workerd with a local D1
 * database, migrated from the same drizzle/ folder before each test file.
 */
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    cloudflareTest(async () => ({
      main: './src/main.worker.ts',
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: {
          ENVIRONMENT: 'test',
          PUBLIC_URL: 'https://node.example',
          NODE_SECRET: 'test-secret-for-workerd-only-0123456789abcdef',
          TEST_MIGRATIONS: await readD1Migrations(fileURLToPath(new URL('./drizzle', import.meta.url))),
        },
      },
    })),
  ],
  test: {
    name: 'workerd',
    include: ['test/worker/**/*.test.ts'],
    setupFiles: ['./test/worker/apply-migrations.ts'],
  },
});
