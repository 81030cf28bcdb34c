/**
 * PDQ's downsampling of a float32 luma plane to 64x64: two rounds of Jarosz box filtering (a 1-D
 * moving average along rows, then along columns; windows of ceil(side / 128)), then point-sampling
 * at cell centres.
 *
 * Bit-exactness: the reference does this in C float (IEEE binary32, no FMA). JavaScript numbers are
 * binary64, so each add/subtract is rounded back with `Math.fround` or by a store into a
 * Float32Array, in the reference's order; for + and - a binary64 result rounded once to binary32
 * equals the binary32 result. The mean `sum / n` is computed as `sum * (1 / n)` rounded to binary32:
 * for a binary32 `sum` and an integer n < 2^20 the exact quotient is never a binary32 tie and lies at
 * least 2^-45 (relative) from one, far more than the 2^-52 error of the product, so the rounding
 * is the same as the reference's division.
 *
 * Speed and memory: the plane is streamed in bands of 4 rows (luma, row filter, column filter and
 * the second row filter run while the band is in cache), the row filter runs 4 rows side by side
 * (box.ts), and the second round only produces the 64 columns and 64 rows that the decimation
 * reads. Working memory is a few rows plus a rows x 64 strip, not the plane.
 *
 * This is the portable path; with the WebAssembly kernels (wasm-kernels.ts) the same arithmetic
 * runs as SIMD (about 5x faster), with columnsSampled below for the last pass.
 */
import { boxRows, colAdd, colAddOut, colAddSubOut, colSubOut, phases } from './box';

export const PDQ_GRID = 64;
const BAND = 4;

/** Half the block each output cell covers, rounded up: two passes of it span the whole block. */
export function jaroszWindowSize(oldDimension: number, newDimension: number): number {
  return Math.floor((oldDimension + 2 * newDimension - 1) / (2 * newDimension));
}

/** Which of `n` input positions the decimation samples for each of the `out` cells (cell centres). */
export function decimationIndices(n: number, out = PDQ_GRID): Int32Array {
  const idx = new Int32Array(out);
  for (let i = 0; i < out; i++) idx[i] = Math.floor(((i + 0.5) * n) / out);
  return idx;
}

/** Source of luma rows: writes rows y0..y0+count-1 (each `cols` long) contiguously into `out`. */
export type LumaRows = (y0: number, count: number, out: Float32Array) => void;

/**
 * Blurs and decimates a luma plane (rows x cols, delivered by `fill`) to 64x64, row-major.
 * A plane already 64x64 is taken as is (the reference's shortcut, e.g. for pre-scaled video frames).
 */
export function downscaleTo64(rows: number, cols: number, fill: LumaRows): Float32Array {
  const out = new Float32Array(PDQ_GRID * PDQ_GRID);
  if (rows === PDQ_GRID && cols === PDQ_GRID) {
    fill(0, PDQ_GRID, out);
    return out;
  }
  const winX = jaroszWindowSize(cols, PDQ_GRID);
  const winY = jaroszWindowSize(rows, PDQ_GRID);
  const allCols = new Int32Array(cols).map((_, i) => i);
  const sampledCols = decimationIndices(cols);

  // Round 1 row pass: luma band -> ring of filtered rows (the band being written + `winY` rows back,
  // which the column pass subtracts).
  const luma = new Float32Array(BAND * cols);
  const ringRows = Math.ceil((winY + BAND) / BAND) * BAND;
  const ring = new Float32Array(ringRows * cols);

  // Round 1 column pass -> rows waiting (a band at a time) for round 2's row pass, which keeps only
  // the 64 sampled columns, in `strip` (rows x 64).
  const waiting = new Float32Array(BAND * cols);
  const strip = new Float32Array(rows * PDQ_GRID);
  let pending = 0;
  let stripRows = 0;
  const flush = (): void => {
    boxRows(waiting, 0, strip, stripRows * PDQ_GRID, pending, cols, winX, sampledCols, false);
    stripRows += pending;
    pending = 0;
  };
  const sums = new Float64Array(cols);
  const [p1, p2, , p4] = phases(rows, winY);
  let n = 0;
  for (let y0 = 0; y0 < rows; y0 += BAND) {
    const count = Math.min(BAND, rows - y0);
    fill(y0, count, luma);
    boxRows(luma, 0, ring, (y0 % ringRows) * cols, count, cols, winX, allCols, true);
    for (let y = y0; y < y0 + count; y++) {
      const a = (y % ringRows) * cols;
      if (y < p1) {
        n++;
        colAdd(sums, ring, a, cols);
        continue;
      }
      if (y < p1 + p2) colAddOut(sums, ring, a, cols, 1 / ++n, waiting, pending * cols);
      else colAddSubOut(sums, ring, a, ((y - winY) % ringRows) * cols, cols, 1 / n, waiting, pending * cols);
      if (++pending === BAND) flush();
    }
  }
  for (let i = 0, y = rows - winY; i < p4; i++, y++) {
    colSubOut(sums, ring, (y % ringRows) * cols, cols, 1 / --n, waiting, pending * cols);
    if (++pending === BAND) flush();
  }
  if (pending > 0) flush();

  // Round 2 column pass on the strip, keeping the 64 sampled rows.
  columnsSampled(strip, rows, winY, decimationIndices(rows), out);
  return out;
}

/** The column filter over a rows x 64 plane, writing only output rows `sample[k]` to out row k. */
export function columnsSampled(src: Float32Array, rows: number, win: number, sample: Int32Array, out: Float32Array): void {
  const g = PDQ_GRID;
  const sums = new Float64Array(g);
  const row = new Float32Array(g);
  const [p1, p2, p3, p4] = phases(rows, win);
  let k = 0;
  let o = 0;
  let n = 0;
  const keep = (): void => {
    for (; k < sample.length && sample[k] === o; k++) out.set(row, k * g);
    o++;
  };
  let y = 0;
  for (let i = 0; i < p1; i++, y++, n++) colAdd(sums, src, y * g, g);
  for (let i = 0; i < p2; i++, y++) colAddOut(sums, src, y * g, g, 1 / ++n, row, 0), keep();
  for (let i = 0; i < p3; i++, y++) colAddSubOut(sums, src, y * g, (y - win) * g, g, 1 / n, row, 0), keep();
  for (let i = 0; i < p4; i++) colSubOut(sums, src, (y - win + i) * g, g, 1 / --n, row, 0), keep();
}
