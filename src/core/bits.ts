/**
 * Bit counting, written once for the whole node: the Hamming distances of the hashes and indexes,
 * and the Merkle tree's subtree counts. One 64 KB table of 16-bit counts: two lookups a 32-bit word,
 * which measured no slower than the shift-and-mask count on the index's search loops.
 */

const POP16 = new Uint8Array(65536);
for (let i = 1; i < 65536; i++) POP16[i] = (i & 1) + POP16[i >>> 1];

/** Set bits of x, 0 <= x < 2^16. */
export function popcount16(x: number): number {
  return POP16[x];
}

/** Set bits of a 32-bit word (signed or unsigned). */
export function popcount32(x: number): number {
  return POP16[x & 0xffff] + POP16[x >>> 16];
}

/** Set bits of a non-negative safe integer (a Merkle tree's size: its count of complete subtrees). */
export function popcount(n: number): number {
  return popcount32(n >>> 0) + popcount32(Math.floor(n / 2 ** 32));
}

/** Hamming distance between n words of a (from aOff) and n words of b (from bOff). */
export function hammingWords(a: ArrayLike<number>, aOff: number, b: ArrayLike<number>, bOff: number, n: number): number {
  let d = 0;
  for (let i = 0; i < n; i++) d += popcount32(a[aOff + i] ^ b[bOff + i]);
  return d;
}

/** The same, but some value above `limit` as soon as the running count passes it. */
export function hammingWithin(a: ArrayLike<number>, aOff: number, b: ArrayLike<number>, bOff: number, n: number, limit: number): number {
  let d = 0;
  for (let i = 0; i < n; i++) {
    d += popcount32(a[aOff + i] ^ b[bOff + i]);
    if (d > limit) return d;
  }
  return d;
}
