/**
 * Brute-force matching: one query digest against a packed bank of digests (35 bytes each, printed
 * order). TLSH distance is not a Hamming distance, so the PDQ indexes do not apply; a scan costs
 * about one table lookup per code byte per stored digest (see `npx tsx src/cli/bench/tlsh.ts` for
 * the measured cost at 100 k and 1 M).
 */
import { tlshHeaderDistance } from './distance';
import { parseTlshInto, TLSH_BYTES } from './format';
import { CODE_BYTE_DISTANCE } from './tables';

export interface TlshHit {
  /** Position of the digest in the bank (0-based). */
  index: number;
  distance: number;
}

/** A bank of `count` digests packed end to end, built from printed digests; null at the first malformed one. */
export function packTlsh(digests: readonly string[]): Uint8Array | null {
  const bank = new Uint8Array(digests.length * TLSH_BYTES);
  for (let i = 0; i < digests.length; i++) if (!parseTlshInto(digests[i], bank, i * TLSH_BYTES)) return null;
  return bank;
}

/** Every digest of `bank` within `maxDistance` of `query` (inclusive), nearest first, ties by index. */
export function scanTlsh(query: Uint8Array, bank: Uint8Array, maxDistance: number, { lengthTerm = true } = {}): TlshHit[] {
  if (query.length !== TLSH_BYTES) throw new RangeError(`a TLSH query has ${TLSH_BYTES} bytes, not ${query.length}`);
  if (bank.length % TLSH_BYTES !== 0) throw new RangeError(`a TLSH bank holds whole ${TLSH_BYTES}-byte digests`);
  const hits: TlshHit[] = [];
  scanInto(query, bank, maxDistance, lengthTerm, CODE_BYTE_DISTANCE, hits);
  return hits.sort((x, y) => x.distance - y.distance || x.index - y.index);
}

/**
 * Every term of the distance is >= 0, so a digest can be dropped as soon as its partial sum passes
 * the radius: the header first, then the code in blocks of 8 bytes. Unrelated digests (hundreds
 * apart) are dropped after a fraction of the work; the hits are exactly those of the full distance.
 */
function scanInto(q: Uint8Array, bank: Uint8Array, max: number, lengthTerm: boolean, table: Uint8Array, hits: TlshHit[]): void {
  const count = bank.length / TLSH_BYTES;
  for (let i = 0, off = 0; i < count; i++, off += TLSH_BYTES) {
    let d = tlshHeaderDistance(q, 0, bank, off, lengthTerm);
    for (let k = 3; k < TLSH_BYTES && d <= max; k += 8) {
      const end = k + 8 < TLSH_BYTES ? k + 8 : TLSH_BYTES;
      for (let j = k; j < end; j++) d += table[(q[j] << 8) | bank[off + j]];
    }
    if (d <= max) hits.push({ index: i, distance: d });
  }
}
