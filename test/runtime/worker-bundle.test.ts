/**
 * `wrangler deploy --dry-run` builds the worker bundle: it must not drag in Node-only code, it must
 * carry every WebAssembly module the worker imports, and it must stay within the size budget the
 * README states (the Workers Free plan takes 3 MiB compressed; the budget leaves room under it).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
/** The compressed upload the bundle may reach, KiB. The README's "Edge deployment" states the same number. */
const BUNDLE_BUDGET_KIB = 1024;

describe('the worker bundle', () => {
  it('builds with wrangler deploy --dry-run: D1 binding, every .wasm module, no sharp/libsql, within the size budget', async () => {
    const out = mkdtempSync(join(tmpdir(), 'mhn-wrangler-'));
    try {
      const { stdout } = await promisify(execFile)(join(ROOT, 'node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--outdir', out], {
        cwd: ROOT,
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
        timeout: 120_000,
      });
      expect(stdout).toMatch(/env\.DB/);
      const files = readdirSync(out).filter((f) => f.endsWith('.js') || f.endsWith('.wasm'));
      const bundle = files
        .filter((f) => f.endsWith('.js'))
        .map((f) => readFileSync(join(out, f), 'utf8'))
        .join('\n');
      expect(bundle.length).toBeGreaterThan(10_000);
      expect(bundle).not.toMatch(/require\(["']sharp["']\)|from ["']sharp["']/);
      expect(bundle).not.toMatch(/@libsql\/client/);
      expect(bundle, 'the web console (wrangler.toml [build])').toContain('mhn-hash-worker');
      for (const wasm of ['pdq.wasm', 'blockhash.wasm', 'mozjpeg_dec.wasm', 'squoosh_png_bg.wasm', 'webp_dec.wasm', 'avif_dec.wasm']) {
        expect(
          files.some((f) => f.endsWith(wasm)),
          wasm,
        ).toBe(true);
      }

      // Wrangler's own figure ("Total Upload: X KiB / gzip: Y KiB") and ours, module by module.
      const [, raw, gzip] = stdout.match(/Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/) ?? [];
      expect(Number(gzip), stdout).toBeGreaterThan(0);
      const ours = files.reduce((sum, f) => sum + gzipSync(readFileSync(join(out, f)), { level: 9 }).byteLength, 0) / 1024;
      console.log(`worker bundle: ${raw} KiB, gzip ${gzip} KiB (wrangler); ${ours.toFixed(1)} KiB gzip -9 (modules summed); budget ${BUNDLE_BUDGET_KIB} KiB`);
      expect(Number(gzip), `the worker grew past its budget of ${BUNDLE_BUDGET_KIB} KiB compressed (README, Edge deployment)`).toBeLessThanOrEqual(
        BUNDLE_BUDGET_KIB,
      );
      expect(ours).toBeLessThanOrEqual(BUNDLE_BUDGET_KIB);
      expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(`${BUNDLE_BUDGET_KIB.toLocaleString('en-US')} KiB compressed`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 180_000);
});
