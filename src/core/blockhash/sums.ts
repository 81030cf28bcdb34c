/**
 * The block values of blockhash: per block, the sum over its pixels of R + G + B (765 where alpha
 * is 0), each pixel weighted by its overlap with the block (grid.ts).
 *
 * The weight of pixel (x, y) in block (r, c) is a product, rowWeight(y, r) * colWeight(x, c), so a
 * block's sum is a sum over rows of rowWeight(y, r) * (the row's weighted sum over the block's
 * columns). Each image row is therefore read once, as runs of whole pixels (plain sums: the hot
 * loop, in TypeScript here or WebAssembly in wasm.ts) and the few pixels a block edge cuts; then at
 * most two block rows take the row's sums.
 *
 * Every quantity is an integer (weights in 1/bits of a pixel) below 2^53, so binary64 holds it
 * exactly and the order of the additions cannot change the result.
 */
import type { AxisPlan } from './grid';

/**
 * Computes the run totals of rows [0, rows): calls `band(y0, n, totals)` for consecutive bands of
 * rows, totals[r * runs + k] being the sum of pixelValue over run k of row y0 + r.
 */
export type RunTotals = (
  rgba: Uint8Array,
  width: number,
  rows: number,
  cols: AxisPlan,
  band: (y0: number, n: number, totals: ArrayLike<number>) => void,
) => void;

/** R + G + B of the pixel at byte i, or 765 where its alpha is 0. */
function pixelValue(rgba: Uint8Array, i: number): number {
  return rgba[i + 3] === 0 ? 765 : rgba[i] + rgba[i + 1] + rgba[i + 2];
}

/** The bits x bits block sums (row-major), in units of 1/(rows.unit * cols.unit) of the reference's values. */
export function blockSums(rgba: Uint8Array, width: number, height: number, bits: number, rows: AxisPlan, cols: AxisPlan, runTotals: RunTotals): Float64Array {
  const sums = new Float64Array(bits * bits);
  const rowSums = new Float64Array(bits);
  const { runBlock, cuts, low, high, block, unit } = cols;
  const runs = runBlock.length;
  // Method 1 counts a prefix of the rows; method 2 all of them.
  let counted = height;
  while (counted > 0 && rows.block[counted - 1] < 0) counted--;
  runTotals(rgba, width, counted, cols, (y0, n, totals) => {
    for (let r = 0; r < n; r++) {
      const y = y0 + r;
      rowSums.fill(0);
      for (let k = 0; k < runs; k++) rowSums[runBlock[k]] += unit * totals[r * runs + k];
      for (let k = 0; k < cuts.length; k++) {
        const x = cuts[k];
        const v = pixelValue(rgba, (y * width + x) * 4);
        rowSums[block[x]] += v * low[x];
        rowSums[block[x] + 1] += v * high[x];
      }
      const b = rows.block[y];
      const wLow = rows.low[y];
      const wHigh = rows.high[y];
      for (let c = 0, o = b * bits; c < bits; c++) sums[o + c] += wLow * rowSums[c];
      if (wHigh > 0) for (let c = 0, o = (b + 1) * bits; c < bits; c++) sums[o + c] += wHigh * rowSums[c];
    }
  });
  return sums;
}

// ---------------------------------------------------------------------------------------------
// The TypeScript run totals: pixels read as 32-bit words, channels summed in 16-bit lanes.

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** Pixels summed in 16-bit lanes before the lanes are read out: 255 * 256 < 2^16. */
const CHUNK = 256;
const BAND = 16;

/** pixelValue of a pixel read as a 32-bit word. */
function wordValue(p: number): number {
  const alpha = LITTLE_ENDIAN ? p >>> 24 : p & 0xff;
  if (alpha === 0) return 765;
  return (p & 0xff) + ((p >>> 8) & 0xff) + ((p >>> 16) & 0xff) + (p >>> 24) - alpha;
}

/**
 * The sum of wordValue over px[from..to). Two words of running sums hold the four channels in
 * 16-bit lanes (R and B, G and A on little-endian machines); a chunk whose alpha lane shows every
 * pixel opaque needs no per-pixel check, any other chunk is summed again pixel by pixel.
 */
function runSum(px: Int32Array, from: number, to: number): number {
  let total = 0;
  for (let start = from; start < to; start += CHUNK) {
    const end = to - start > CHUNK ? start + CHUNK : to;
    let lo = 0;
    let hi = 0;
    let i = start;
    for (; i + 4 <= end; i += 4) {
      const p0 = px[i];
      const p1 = px[i + 1];
      const p2 = px[i + 2];
      const p3 = px[i + 3];
      lo = (lo + (p0 & 0xff00ff) + (p1 & 0xff00ff) + (p2 & 0xff00ff) + (p3 & 0xff00ff)) | 0;
      hi = (hi + ((p0 >>> 8) & 0xff00ff) + ((p1 >>> 8) & 0xff00ff) + ((p2 >>> 8) & 0xff00ff) + ((p3 >>> 8) & 0xff00ff)) | 0;
    }
    for (; i < end; i++) {
      const p = px[i];
      lo = (lo + (p & 0xff00ff)) | 0;
      hi = (hi + ((p >>> 8) & 0xff00ff)) | 0;
    }
    const alpha = LITTLE_ENDIAN ? hi >>> 16 : lo & 0xffff;
    if (alpha === 255 * (end - start)) total += (lo & 0xffff) + (lo >>> 16) + (hi & 0xffff) + (hi >>> 16) - alpha;
    else for (let j = start; j < end; j++) total += wordValue(px[j]);
  }
  return total;
}

export const tsRunTotals: RunTotals = (rgba, width, rows, cols, band) => {
  // A view when the bytes are 4-aligned (sharp's buffers are), else an aligned copy.
  const bytes = rgba.byteOffset % 4 === 0 ? rgba : new Uint8Array(rgba.subarray(0, width * rows * 4));
  const px = new Int32Array(bytes.buffer, bytes.byteOffset, width * rows);
  const { runStart, runEnd } = cols;
  const runs = runStart.length;
  const totals = new Float64Array(BAND * runs);
  for (let y0 = 0; y0 < rows; y0 += BAND) {
    const n = Math.min(BAND, rows - y0);
    for (let r = 0; r < n; r++) {
      const base = (y0 + r) * width;
      for (let k = 0; k < runs; k++) totals[r * runs + k] = runSum(px, base + runStart[k], base + runEnd[k]);
    }
    band(y0, n, totals);
  }
};
