/**
 * Key files as the CLIs write and read them. A file holding a private key is created with mode 0600
 * (never overwritten: a second keygen must not destroy the key a member is using), and a private
 * key file that other users can read or write is refused before it is used, as ssh refuses an
 * identity file: the message names the file and the fix (a file given as a private key that holds
 * none, such as a .pub.json, is named as that, whatever its mode). A public key file given to the
 * admin CLI must hold no private half.
 */
import { chmodSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
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

/** Writes `text` to a new file readable by its owner only. `force` replaces an existing file. */
export function writePrivateFile(path: string, text: string, force = false): void {
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
    if (codeOf(e) === 'EEXIST')
      throw new KeyFileError(`${path} exists; not overwritten (it may hold a key in use). Choose another --out, or pass --force to replace it`);
    throw new KeyFileError(`cannot write ${path}: ${messageOf(e)}`);
  }
  chmodSync(path, 0o600);
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
