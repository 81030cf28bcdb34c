/**
 * The embedded database's file, looked at before anything opens it: the node says in one line why
 * it cannot use it (a directory, a file where a folder should be, no permission), and the admin CLI
 * refuses to create one unless asked, so a typo in DATABASE_URL does not make a new empty database.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The absolute path a `file:` DATABASE_URL names, or null for `:memory:` and database servers. */
export function databaseFile(url: string): string | null {
  if (!url.startsWith('file:')) return null;
  const path = url.startsWith('file://') ? fileURLToPath(url.replace(/\?.*$/, '')) : url.slice('file:'.length).replace(/\?.*$/, '');
  if (!path || path.startsWith(':')) return null;
  return resolve(path);
}

/** Why the node cannot use `path` as its database file, for the operator; null when it can (or can create it). */
export function databaseFileProblem(path: string): string | null {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return creationProblem(path);
    if (code === 'ENOTDIR') return `${path} cannot be created: a part of its path is a file, not a folder`;
    if (code === 'EACCES') return `${path} cannot be reached: a folder above it is not readable by this user`;
    return `${path} cannot be examined (${code})`;
  }
  if (isDirectory) return `${path} is a folder, not a database file`;
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
  } catch {
    return `${path} cannot be read and written by this user`;
  }
  return null;
}

/** A missing file is created with its folders: the nearest existing folder above must be writable. */
function creationProblem(path: string): string | null {
  let dir = dirname(path);
  while (!existsSync(dir)) dir = dirname(dir);
  if (!statSync(dir).isDirectory()) return `${path} cannot be created: ${dir} is a file, not a folder`;
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch {
    return `${path} cannot be created: ${dir} is not writable by this user`;
  }
  return null;
}
