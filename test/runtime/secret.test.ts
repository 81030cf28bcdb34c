/**
 * The node's secret file when several processes start at once on a new data directory (several
 * instances on one database): each process makes the file if it is missing, and every one of them
 * must come up with the same secret, none failing on the file another made, none reading it half
 * written. Real processes, released together at one instant.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** One process: waits for the instant `at`, then asks for the secret and prints it (or its error). */
function secretOf(file: string, at: number): Promise<{ code: number | null; out: string; err: string }> {
  const code = `const { nodeSecret } = await import('./src/runtime/node/config/secret.ts');
    while (Date.now() < ${at});
    try { process.stdout.write(nodeSecret({ NODE_SECRET_FILE: ${JSON.stringify(file)} })); } catch (e) { process.stderr.write(String(e)); process.exit(3); }`;
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('exit', (c) => resolve({ code: c, out, err }));
  });
}

describe('the node secret file', () => {
  it('twelve processes making it at the same instant all read one secret, whole, mode 0600, and leave nothing else', async () => {
    for (let round = 0; round < 3; round++) {
      const dir = mkdtempSync(join(tmpdir(), 'mhn-secret-'));
      dirs.push(dir);
      const file = join(dir, 'data', 'node.secret');
      const at = Date.now() + 4000;
      const got = await Promise.all(Array.from({ length: 12 }, () => secretOf(file, at)));
      for (const g of got) expect(g, g.err).toMatchObject({ code: 0 });
      const secrets = new Set(got.map((g) => g.out));
      expect(secrets.size).toBe(1);
      expect([...secrets][0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readdirSync(join(dir, 'data'))).toEqual(['node.secret']);
    }
  }, 90_000);
});
