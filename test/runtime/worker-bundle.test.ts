/** `wrangler deploy --dry-run` builds the worker bundle; it must not drag in Node-only code. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');

describe('the worker bundle', () => {
  it('builds with wrangler deploy --dry-run, with the D1 binding and no sharp/libsql', async () => {
    const out = mkdtempSync(join(tmpdir(), 'mhn-wrangler-'));
    try {
      const { stdout } = await promisify(execFile)(join(ROOT, 'node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--outdir', out], {
        cwd: ROOT,
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
        timeout: 120_000,
      });
      expect(stdout).toMatch(/env\.DB/);
      const js = readdirSync(out).filter((f) => f.endsWith('.js'));
      expect(js.length).toBeGreaterThan(0);
      const bundle = js.map((f) => readFileSync(join(out, f), 'utf8')).join('\n');
      expect(bundle.length).toBeGreaterThan(10_000);
      expect(bundle).not.toMatch(/require\(["']sharp["']\)|from ["']sharp["']/);
      expect(bundle).not.toMatch(/@libsql\/client/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 180_000);
});
