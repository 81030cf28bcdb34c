/**
 * The node's secret, which seals its private signing keys in the database: NODE_SECRET if set, else
 * a random one kept in NODE_SECRET_FILE (created on first start, mode 0600: readable only by the
 * node's user). Losing it means losing the signing keys: back it up with the database.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function nodeSecret(config: { NODE_SECRET?: string; NODE_SECRET_FILE: string }): string {
  if (config.NODE_SECRET) return config.NODE_SECRET;
  const file = config.NODE_SECRET_FILE;
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  return readFileSync(file, 'utf8').trim();
}
