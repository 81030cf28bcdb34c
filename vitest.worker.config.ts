/**
 * The workerd tests: the worker entry (src/main.worker.ts) runs inside workerd with a local D1
 * database, migrated from the same drizzle/ folder before each test file. `preserveSymlinks` keeps
 * module paths inside the project when node_modules is a link (a worktree sharing another's), so
 * the pool can serve the decoders' .wasm files.
 */
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { defineConfig } from 'vitest/config';

/** The Node node's answers for the workerd conformance test, loaded (with tsx) only when asked. */
let reference: Promise<(r: Request) => Promise<Response>> | undefined;
async function nodeReference(request: Request): Promise<Response> {
  process.env.CONFORMANCE_DIR ??= fileURLToPath(new URL('../shared/conformance', import.meta.url));
  reference ??= tsImport('./test/worker/node-reference.ts', import.meta.url).then((m) => m.nodeReference);
  return (await reference)(request);
}

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
          EDGE_BENCH: process.env.EDGE_BENCH ?? '',
          // Short, for the test of a body that stops arriving (the others send theirs whole).
          BODY_IDLE_TIMEOUT_MS: '2000',
          TEST_MIGRATIONS: await readD1Migrations(fileURLToPath(new URL('./drizzle', import.meta.url))),
        },
        // The Node node's answers for the conformance images, computed in this (Node) process on request.
        serviceBindings: { NODE_REFERENCE: nodeReference },
      },
    })),
  ],
  resolve: { preserveSymlinks: true },
  test: {
    name: 'workerd',
    include: ['test/worker/**/*.test.ts'],
    setupFiles: ['./test/worker/apply-migrations.ts'],
  },
});
