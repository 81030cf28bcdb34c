/**
 * RFC 9162 §2.1.1 hashing with SHA-256: leaf = H(0x00 || entry), node = H(0x01 || left || right),
 * the empty tree = H(""). The 0x00/0x01 prefixes keep a leaf from ever passing for an inner node
 * (second-preimage resistance of the tree).
 */
import { sha256 } from '@noble/hashes/sha2.js';

export const HASH_SIZE = 32;

const EMPTY_ROOT = sha256(new Uint8Array(0));

export function leafHash(entry: Uint8Array): Uint8Array {
  const buf = new Uint8Array(entry.length + 1);
  buf[0] = 0x00;
  buf.set(entry, 1);
  return sha256(buf);
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = new Uint8Array(1 + left.length + right.length);
  buf[0] = 0x01;
  buf.set(left, 1);
  buf.set(right, 1 + left.length);
  return sha256(buf);
}

/** MTH({}) = SHA-256 of the empty string. A fresh copy, so callers may not corrupt the constant. */
export function emptyRoot(): Uint8Array {
  return EMPTY_ROOT.slice();
}

/** Byte equality in time independent of where the first difference lies. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
