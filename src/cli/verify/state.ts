/**
 * The auditor's memory between runs: the last tree head it verified, and a fingerprint of every
 * entry it verified then. Trust in the log comes from the signed head and consistency proofs; the
 * fingerprints only let a later run name which entry changed when the node rewrites history and
 * signs the result. 8 bytes of each leaf hash (16 hex characters an entry) suffice for that: a
 * forged entry keeping the same prefix is a 2^64 second-preimage search.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { bytesToHex } from '../../core/hex';
import { codeOf } from '../args';

export const STATE_VERSION = 1;
export const PREFIX_BYTES = 8;

export interface VerifiedHead {
  treeSize: number;
  /** Standard base64, as the node signs it. */
  rootHash: string;
  timestamp: number;
  /** The compact JWS as served: proof, to a third party, of what the node vouched for. */
  signature: string;
  kid: string;
}

export interface AuditorState {
  version: number;
  /** The node's base URL; a state file belongs to one node. */
  node: string;
  verifiedAt: string;
  head: VerifiedHead;
  prefixBytes: number;
  /** Concatenated hex prefixes of the leaf hashes of entries 0..treeSize-1. */
  leaves: string;
}

/** null when the file does not exist (a first run). */
export function loadState(file: string): AuditorState | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (codeOf(e) === 'ENOENT') return null;
    throw e;
  }
  const s = JSON.parse(text) as AuditorState;
  const h = s?.head;
  if (
    s?.version !== STATE_VERSION ||
    typeof s.node !== 'string' ||
    !h ||
    !Number.isSafeInteger(h.treeSize) ||
    typeof h.rootHash !== 'string' ||
    !Number.isSafeInteger(s.prefixBytes) ||
    typeof s.leaves !== 'string' ||
    s.leaves.length !== h.treeSize * s.prefixBytes * 2
  ) {
    throw new Error(`${file} is not a verifier state file (version ${STATE_VERSION}) or is damaged`);
  }
  return s;
}

/** Written to a temporary name, then renamed: a crash never leaves half a state. */
export function saveState(file: string, s: AuditorState): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(s, null, 1) + '\n');
  renameSync(`${file}.tmp`, file);
}

export function leafPrefixes(leaves: readonly Uint8Array[], bytes = PREFIX_BYTES): string {
  return leaves.map((l) => bytesToHex(l.subarray(0, bytes))).join('');
}

/** The fingerprint of entry `i` in the state, or null beyond its tree. */
export function verifiedPrefix(s: AuditorState, i: number): string | null {
  const w = s.prefixBytes * 2;
  return i < s.head.treeSize ? s.leaves.slice(i * w, (i + 1) * w) : null;
}
