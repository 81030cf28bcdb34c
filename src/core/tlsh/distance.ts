/**
 * TLSH distance, as the reference scores it. 0 means the same digest; it has no upper bound (a few
 * hundred for unrelated text, over 1000 possible). Terms:
 *
 * - length: the circular difference d of the length codes (mod 256): 0 or 1 count as themselves,
 *   more counts 12 d. Left out by the "xlen" variant (python-threatexchange's `diffxlen`), which
 *   matches a text inside a longer copy better;
 * - q1 and q2 ratios: circular difference d (mod 16): 0 or 1 as themselves, more counts 12 (d - 1);
 * - checksum: 1 if they differ;
 * - body: over the 128 bucket levels, |a - b| of 1 or 2 counts as itself, 3 counts 6.
 *
 * Symmetric, and a digest is at distance 0 from itself (each term is).
 */
import { CODE_BYTE_DISTANCE } from './tables';
import { parseTlsh, TLSH_BYTES } from './format';

export interface TlshDistanceOptions {
  /** Count the length term (the reference's standard score). Default true; false = `diffxlen`. */
  lengthTerm?: boolean;
}

/** Distance between two digests in any form `parseTlsh` accepts; throws RangeError on a malformed one. */
export function tlshDistance(a: string, b: string, { lengthTerm = true }: TlshDistanceOptions = {}): number {
  const x = parseTlsh(a);
  const y = parseTlsh(b);
  if (!x) throw new RangeError(`not a TLSH digest: ${JSON.stringify(a.slice(0, 80))}`);
  if (!y) throw new RangeError(`not a TLSH digest: ${JSON.stringify(b.slice(0, 80))}`);
  return tlshDistanceBytes(x, 0, y, 0, lengthTerm);
}

/**
 * Distance between the 35-byte digests at `a[ai..]` and `b[bi..]` (printed byte order, as
 * `parseTlsh` gives them): the scan's inner step, on packed banks with no allocation.
 */
export function tlshDistanceBytes(a: Uint8Array, ai: number, b: Uint8Array, bi: number, lengthTerm: boolean): number {
  let d = tlshHeaderDistance(a, ai, b, bi, lengthTerm);
  for (let i = 3; i < TLSH_BYTES; i++) d += CODE_BYTE_DISTANCE[(a[ai + i] << 8) | b[bi + i]];
  return d;
}

/** The checksum, length and quartile-ratio terms: the first 3 bytes. */
export function tlshHeaderDistance(a: Uint8Array, ai: number, b: Uint8Array, bi: number, lengthTerm: boolean): number {
  let d = 0;
  if (a[ai] !== b[bi]) d = 1;
  if (lengthTerm) {
    // The length code is printed with its nibbles swapped.
    const la = ((a[ai + 1] & 15) << 4) | (a[ai + 1] >> 4);
    const lb = ((b[bi + 1] & 15) << 4) | (b[bi + 1] >> 4);
    const l = circular(la, lb, 256);
    d += l <= 1 ? l : 12 * l;
  }
  const q1 = circular(a[ai + 2] >> 4, b[bi + 2] >> 4, 16);
  d += q1 <= 1 ? q1 : 12 * (q1 - 1);
  const q2 = circular(a[ai + 2] & 15, b[bi + 2] & 15, 16);
  d += q2 <= 1 ? q2 : 12 * (q2 - 1);
  return d;
}

function circular(x: number, y: number, range: number): number {
  const d = x > y ? x - y : y - x;
  return d < range - d ? d : range - d;
}
