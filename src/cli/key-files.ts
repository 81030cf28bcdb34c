/**
 * Key files as the CLIs write and read them. A file holding a private key is created with mode 0600,
 * never overwritten unless asked (a second keygen must not destroy the key a member is using), and
 * written before the client it is the key of is committed (an admin whose key was thrown away could
 * never sign in, yet would count as one). A private key file that other users can read or write is
 * refused before it is used, as ssh refuses an identity file: the message names the file and the
 * fix (a file given as a private key that holds none, such as a .pub.json, is named as that,
 * whatever its mode). A public key file given to the admin CLI must hold no private half.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { JWK } from 'jose';
import { isRecord, member } from '../client/json';
import { codeOf, messageOf } from './args';

export class KeyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyFileError';
  }
}

/** Where keygen writes the public half: FILE.json -> FILE.pub.json, else FILE.pub.json. */
export function publicKeyPath(privatePath: string): string {
  return privatePath.endsWith('.json') ? `${privatePath.slice(0, -'.json'.length)}.pub.json` : `${privatePath}.pub.json`;
}

/** What a key file that exists is told: the command's own flag that replaces it (keygen: --force; admin: --overwrite). */
const existsWords = (path: string, replaceFlag: string) =>
  `${path} exists; not overwritten (it may hold a key in use). Choose another --out, or pass ${replaceFlag} to replace it`;

/**
 * Writes `text` to a new file readable by its owner only. `force` replaces an existing file;
 * `replaceFlag` is the flag that sets it, named when the file exists.
 */
export function writePrivateFile(path: string, text: string, force = false, replaceFlag = '--force'): void {
  if (force) {
    try {
      unlinkSync(path);
    } catch {
      // not there
    }
  }
  try {
    // `wx`: created here, so the mode applies (a mode is ignored for a file that exists).
    writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if (codeOf(e) === 'EEXIST') throw new KeyFileError(existsWords(path, replaceFlag));
    throw new KeyFileError(`cannot write ${path}: ${messageOf(e)}`);
  }
  chmodSync(path, 0o600);
}

/** Refuses a key file that exists unless it may be replaced (and a folder in any case): before anything else is done. */
export function checkNewKeyFile(path: string, overwrite: boolean, replaceFlag: string): void {
  const there = statSync(path, { throwIfNoEntry: false });
  if (!there) return;
  if (!there.isFile()) throw new KeyFileError(`${path} is a folder or another non-file; give --out a file name. Nothing was done`);
  if (!overwrite) throw new KeyFileError(`${existsWords(path, replaceFlag)}. Nothing was done`);
}

/**
 * Writes a private key to `path` before `commit` makes what it is the key of (a client in the
 * database), so that nothing is ever committed whose key was not written: a file that cannot be
 * written stops everything, and a commit that fails takes the file back. Without `overwrite` the
 * file is created where it goes (refused if it exists); with it, beside it, and moved over the old
 * file once the commit is done (a failed commit leaves the old file as it was). A commit that fails
 * takes the file back only when `committed` says the database holds no trace of the key. Returns what
 * `commit` returned and where the key is: `path`, or, should that last move fail, the file beside
 * it (said on stderr).
 */
export async function withPrivateKeyFile<T>(
  path: string,
  text: string,
  opts: { overwrite: boolean; replaceFlag: string; committed: () => Promise<boolean> },
  commit: () => Promise<T>,
): Promise<{ value: T; file: string }> {
  const written = opts.overwrite ? join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`) : path;
  writePrivateFile(written, text, false, opts.replaceFlag);
  let value: T;
  try {
    value = await commit();
  } catch (e) {
    // `commit` may fail after its write stood (a read back on another connection, a network error
    // after the commit): the file goes only once the database shows nothing holds the key; when that
    // cannot be told, it stays, and the operator is told where.
    const held = await opts.committed().catch(() => true);
    if (!held) rmSync(written, { force: true });
    else process.stderr.write(`warning: the client may have been created although the command failed; its private key is kept in ${written}\n`);
    throw e;
  }
  if (written === path) return { value, file: path };
  try {
    renameSync(written, path);
    return { value, file: path };
  } catch (e) {
    process.stderr.write(`warning: the private key could not be moved to ${path} (${messageOf(e)}); it is in ${written}\n`);
    return { value, file: written };
  }
}

/** Refuses a private key file that anyone but its owner may read or write. */
export function checkPrivateFileMode(path: string): void {
  if (process.platform === 'win32') return;
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (e) {
    throw new KeyFileError(`cannot read the private key file ${path}: ${codeOf(e) === 'ENOENT' ? 'no such file' : messageOf(e)}`);
  }
  if (mode & 0o077) {
    const who = mode & 0o004 ? 'every user of this machine' : 'other users of this machine';
    throw new KeyFileError(
      `${path} holds a private key but its mode is ${(mode & 0o777).toString(8).padStart(4, '0')}: ${who} can ${mode & 0o044 ? 'read' : 'write'} it. ` +
        `Make it readable by its owner only: chmod 600 ${shellQuote(path)}`,
    );
  }
}

/**
 * A private JWK from a 0600 file (or a file holding `{ privateJwk }`, as `admin init --json` printed
 * it). The file is read and classified first: one that holds no private key (a .pub.json given by
 * mistake) is named as such whatever its mode, and only a private key is held to mode 0600.
 */
export function readPrivateKey(path: string): JWK {
  const raw = readJson(path);
  const inner = member(raw, 'privateJwk');
  const key = isRecord(inner) ? inner : raw;
  if (!isRecord(key) || typeof key.d !== 'string')
    throw new KeyFileError(`${path} holds no private key (a JWK with "d"): give the private key file keygen wrote, not the .pub.json`);
  checkPrivateFileMode(path);
  return key;
}

/** A public JWK from a file; refused if it holds a private key (only the public half goes to the node). */
export function readPublicKey(path: string): Record<string, unknown> {
  const jwk = readJson(path);
  if (!isRecord(jwk)) throw new KeyFileError(`${path} does not hold a JWK (a JSON object)`);
  if ('d' in jwk || 'privateJwk' in jwk) {
    throw new KeyFileError(
      `${path} holds a private key. Register only the public half: the member keeps the private key, and sends the .pub.json file that \`npm run client -- keygen\` wrote`,
    );
  }
  if (!('kty' in jwk)) throw new KeyFileError(`${path} is not a JWK (no "kty")`);
  return jwk;
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new KeyFileError(`cannot read ${path}: ${codeOf(e) === 'ENOENT' ? 'no such file' : messageOf(e)}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new KeyFileError(`${path} is not JSON (a JWK is expected)`);
  }
}

const shellQuote = (s: string) => (/^[\w./@:+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
