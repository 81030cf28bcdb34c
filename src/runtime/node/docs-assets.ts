/**
 * /docs's files on Node: read from the installed swagger-ui-dist package (pinned in package.json) on
 * first use, kept in memory with a gzipped copy (the bundle is 1.7 MB, about 0.5 MB gzipped).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { DocsAsset, DocsAssets, DocsFile } from '../../http/docs';

export function swaggerUiAssets(): DocsAssets | null {
  let dir: string;
  let version: string;
  try {
    const pkg = createRequire(import.meta.url).resolve('swagger-ui-dist/package.json');
    dir = dirname(pkg);
    version = (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
  } catch {
    return null; // not installed: /docs says where the reference is
  }
  const cache = new Map<DocsFile, DocsAsset | null>();
  return {
    version: `swagger-ui-dist ${version}`,
    async get(name) {
      if (!cache.has(name)) {
        let asset: DocsAsset | null = null;
        try {
          const body = new Uint8Array(readFileSync(join(dir, name)));
          asset = { body, gzip: name.endsWith('.png') ? undefined : new Uint8Array(gzipSync(body)) };
        } catch {
          asset = null;
        }
        cache.set(name, asset);
      }
      return cache.get(name)!;
    },
  };
}
