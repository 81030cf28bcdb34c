/**
 * withPrivateKeyFile: the private key is on disk before the commit, and taken back after a failed
 * commit only when the database holds no trace of it (a commit can fail after its write stood: a read
 * back on another connection, a network error after the commit).
 */
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withPrivateKeyFile } from '../../src/cli/key-files';

const dir = mkdtempSync(join(tmpdir(), 'mhn-keyfile-'));
const failing = async () => {
  throw new Error('read back failed');
};

describe('withPrivateKeyFile', () => {
  it('writes the key (0600) before the commit runs', async () => {
    const path = join(dir, 'a.key.json');
    const { file } = await withPrivateKeyFile(path, 'secret\n', { overwrite: false, replaceFlag: '--overwrite', committed: async () => true }, async () => {
      expect(readFileSync(path, 'utf8')).toBe('secret\n');
      return 1;
    });
    expect(file).toBe(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('takes the file back when the commit failed and the database holds nothing of it', async () => {
    const path = join(dir, 'b.key.json');
    await expect(withPrivateKeyFile(path, 'secret\n', { overwrite: false, replaceFlag: '--overwrite', committed: async () => false }, failing)).rejects.toThrow(
      'read back failed',
    );
    expect(existsSync(path)).toBe(false);
  });

  it('keeps the file when the commit failed after its write stood, or when that cannot be told', async () => {
    for (const [name, committed] of [
      ['c.key.json', async () => true],
      [
        'd.key.json',
        async () => {
          throw new Error('database gone');
        },
      ],
    ] as const) {
      const path = join(dir, name);
      await expect(withPrivateKeyFile(path, 'secret\n', { overwrite: false, replaceFlag: '--overwrite', committed }, failing)).rejects.toThrow(
        'read back failed',
      );
      expect(readFileSync(path, 'utf8')).toBe('secret\n');
    }
  });

  it('with overwrite, a failed commit leaves the old file as it was', async () => {
    const path = join(dir, 'e.key.json');
    writeFileSync(path, 'old\n', { mode: 0o600 });
    await expect(withPrivateKeyFile(path, 'new\n', { overwrite: true, replaceFlag: '--overwrite', committed: async () => false }, failing)).rejects.toThrow();
    expect(readFileSync(path, 'utf8')).toBe('old\n');
  });
});
