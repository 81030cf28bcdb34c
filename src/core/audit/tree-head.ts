/**
 * The signed tree head's payload: what the node vouches for. Canonical JSON (RFC 8785) so a verifier
 * re-serialising the fields gets the bytes that were signed.
 */
import canonicalize from 'canonicalize';

export interface TreeHead {
  treeSize: number;
  /** Root hash, standard base64 (RFC 4648 §4), as RFC 9162 tree heads carry it. */
  rootHash: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

export function treeHeadPayload(h: TreeHead): string {
  return canonicalize({ treeSize: h.treeSize, rootHash: h.rootHash, timestamp: h.timestamp })!;
}

export function hexToBase64(hex: string): string {
  let bin = '';
  for (let i = 0; i < hex.length; i += 2) bin += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return btoa(bin);
}
