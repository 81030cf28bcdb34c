/**
 * From block values to the hash, with blockhash-core's rule, operation for operation: the blocks
 * are split into four horizontal bands; in each, a block gives 1 when it is above the band's median
 * (the mean of the two middle values), or within 1 of it when the median is above half the largest
 * possible block value (so near-black and near-white images do not hash to all zeros or all ones).
 * The values passed in are the reference's own binary64 values, so the comparisons agree bit for bit.
 */

function median(sorted: Float64Array): number {
  const n = sorted.length;
  return n % 2 === 0 ? (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 : sorted[Math.floor(n / 2)];
}

/** The hash bits (one byte each, 0 or 1) of block values in row-major order. */
export function blocksToBits(values: Float64Array, pixelsPerBlock: number): Uint8Array {
  const halfBlockValue = (pixelsPerBlock * 256 * 3) / 2;
  const band = values.length / 4;
  const out = new Uint8Array(values.length);
  for (let i = 0; i < 4; i++) {
    const m = median(values.slice(i * band, (i + 1) * band).sort());
    for (let j = i * band; j < (i + 1) * band; j++) {
      const v = values[j];
      out[j] = v > m || (Math.abs(v - m) < 1 && m > halfBlockValue) ? 1 : 0;
    }
  }
  return out;
}

const HEX = '0123456789abcdef';

/** Four bits a hex digit, first bit most significant. */
export function bitsToHex(bits: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bits.length; i += 4) s += HEX[(bits[i] << 3) | (bits[i + 1] << 2) | (bits[i + 2] << 1) | bits[i + 3]];
  return s;
}
