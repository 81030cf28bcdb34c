/**
 * The node's secret, which seals its private signing keys in the database: NODE_SECRET if set, else
 * a random one kept in NODE_SECRET_FILE (created on first start, mode 0600: readable only by the
 * node's user). Losing it means losing the signing keys: back it up with the database.
 *
 * Several node processes may start at once on a new data directory (several instances on one
 * database): the file is written whole under a name of this process's own, then linked to its name,
 * which only one of them can do; the others read the one that won, never a half-written file.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function nodeSecret(config: { NODE_SECRET?: string; NODE_SECRET_FILE: string }): string {
  if (config.NODE_SECRET) return config.NODE_SECRET;
  const file = config.NODE_SECRET_FILE;
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    const own = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(own, randomBytes(32).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
    try {
      linkSync(own, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      rmSync(own, { force: true });
    }
  }
  chmodSync(file, 0o600);
  return readFileSync(file, 'utf8').trim();
}
