/**
 * The production build (`npm run build`, run by `npm start` before it starts the node): the web
 * console's assets, the Node entry point, the match helper thread and the hash pool's thread bundled into dist/ as JavaScript with esbuild (packages
 * stay in node_modules), and the database thread (already JavaScript) copied beside them. The
 * node then starts without a TypeScript loader; `npm run dev` keeps running the sources with tsx.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildConsole } from '../console/build';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = join(ROOT, 'dist');

export async function buildNode(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  // The web console's pages and scripts first: the node's bundle carries them (a generated module).
  await buildConsole();
  await build({
    entryPoints: {
      'main.node': join(ROOT, 'src/main.node.ts'),
      'mih-thread': join(ROOT, 'src/runtime/node/match-helper/thread.ts'),
      'hash-thread': join(ROOT, 'src/runtime/node/hash-pool/thread.ts'),
    },
    outdir: OUT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
    // The bundle's own modules find files (migrations, threads) relative to dist/.
    define: { 'process.env.MHN_BUNDLED': '"1"' },
  });
  copyFileSync(join(ROOT, 'src/runtime/node/database/db-thread.mjs'), join(OUT, 'db-thread.mjs'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t = performance.now();
  buildNode().then(
    () => console.log(`built dist/ in ${Math.round(performance.now() - t)} ms`),
    (e) => {
      console.error(`build failed: ${e instanceof Error ? e.message : e}`);
      process.exit(1);
    },
  );
}
