/**
 * PDQ's downsampling of a float32 luma plane to 64x64: two rounds of Jarosz box filtering
 * (rows then columns, each a 1-D moving average), then point-sampling at cell centres.
 *
 * Bit-exactness: the reference does all of this in C float (IEEE binary32, no FMA). JavaScript
 * numbers are binary64, so every add/subtract is rounded back with `Math.fround` (or by a store into
 * a Float32Array), in the reference's order. For +, -, * and / a binary64 result rounded once to
 * binary32 equals the binary32 result, so this is exact, not an approximation.
 *
 * Speed: the column filter walks the plane row by row with one running sum per column (same
 * per-column sequence of operations, cache-friendly), and the second round only filters the 64
 * columns and keeps the 64 rows that the decimation reads.
 */

const fround = Math.fround;

export const PDQ_GRID = 64;

/** Half the block each output cell covers, rounded up: two passes of it span the whole block. */
export function jaroszWindowSize(oldDimension: number, newDimension: number): number {
  return Math.floor((oldDimension + 2 * newDimension - 1) / (2 * newDimension));
}

/**
 * The moving-average phases of one 1-D pass of length `n` with window `win`: the window is centred
 * (ahead by `half - 1`), shrinks at both ends, and each output is the float mean of what it covers.
 */
function phases(n: number, win: number): [number, number, number, number] {
  const half = (win + 2) >> 1;
  return [half - 1, win - half + 1, n - win, half - 1];
}

/** Box filter along each row of `src` (rows x cols) into `dst`. */
function boxAlongRows(src: Float32Array, dst: Float32Array, rows: number, cols: number, win: number): void {
  const [p1, p2, p3, p4] = phases(cols, win);
  for (let r = 0; r < rows; r++) {
    let ri = r * cols;
    let li = ri;
    let oi = ri;
    let sum = 0;
    let n = 0;
    for (let i = 0; i < p1; i++) {
      sum = fround(sum + src[ri++]);
      n++;
    }
    for (let i = 0; i < p2; i++) {
      sum = fround(sum + src[ri++]);
      n++;
      dst[oi++] = sum / n;
    }
    for (let i = 0; i < p3; i++) {
      sum = fround(sum + src[ri++]);
      sum = fround(sum - src[li++]);
      dst[oi++] = sum / n;
    }
    for (let i = 0; i < p4; i++) {
      sum = fround(sum - src[li++]);
      n--;
      dst[oi++] = sum / n;
    }
  }
}

/**
 * Box filter along each column of `src` (rows x cols) into `dst`, all columns at once. When
 * `keepRows` is given, only those output rows are written, packed: dst row k = output row keepRows[k].
 */
function boxAlongCols(src: Float32Array, dst: Float32Array, rows: number, cols: number, win: number, keepRows?: Int32Array): void {
  const [p1, p2, p3, p4] = phases(rows, win);
  const sums = new Float32Array(cols); // a store into it rounds to binary32, as the reference's float sum
  let ri = 0;
  let li = 0;
  let oi = 0;
  let n = 0;
  let k = 0; // next entry of keepRows
  const emit = (): void => {
    if (keepRows) {
      while (k < keepRows.length && keepRows[k] === oi) {
        const o = k * cols;
        for (let c = 0; c < cols; c++) dst[o + c] = sums[c] / n;
        k++;
      }
    } else {
      const o = oi * cols;
      for (let c = 0; c < cols; c++) dst[o + c] = sums[c] / n;
    }
    oi++;
  };
  const add = (): void => {
    const o = ri * cols;
    for (let c = 0; c < cols; c++) sums[c] += src[o + c];
    ri++;
  };
  const sub = (): void => {
    const o = li * cols;
    for (let c = 0; c < cols; c++) sums[c] -= src[o + c];
    li++;
  };
  for (let i = 0; i < p1; i++) {
    add();
    n++;
  }
  for (let i = 0; i < p2; i++) {
    add();
    n++;
    emit();
  }
  for (let i = 0; i < p3; i++) {
    add();
    sub();
    emit();
  }
  for (let i = 0; i < p4; i++) {
    sub();
    n--;
    emit();
  }
}

/** Which of `n` input positions the decimation samples for each of the `out` cells (cell centres). */
export function decimationIndices(n: number, out = PDQ_GRID): Int32Array {
  const idx = new Int32Array(out);
  for (let i = 0; i < out; i++) idx[i] = Math.floor(((i + 0.5) * n) / out);
  return idx;
}

/**
 * Blurs and decimates `luma` (rows x cols, row-major; overwritten as scratch) to 64x64, row-major.
 * A plane already 64x64 is taken as is (the reference's shortcut, e.g. for pre-scaled video frames).
 */
export function downscaleTo64(luma: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(PDQ_GRID * PDQ_GRID);
  if (rows === PDQ_GRID && cols === PDQ_GRID) {
    out.set(luma.subarray(0, PDQ_GRID * PDQ_GRID));
    return out;
  }
  const winAlongRows = jaroszWindowSize(cols, PDQ_GRID);
  const winAlongCols = jaroszWindowSize(rows, PDQ_GRID);
  const rowIdx = decimationIndices(rows);
  const colIdx = decimationIndices(cols);
  const tmp = new Float32Array(rows * cols);

  // Round 1, full plane: luma -> tmp (rows) -> luma (columns).
  boxAlongRows(luma, tmp, rows, cols, winAlongRows);
  boxAlongCols(tmp, luma, rows, cols, winAlongCols);

  // Round 2: the row pass must still run over whole rows, but only the 64 sampled columns are kept;
  // the column pass then runs on those 64 columns and keeps the 64 sampled rows.
  boxAlongRows(luma, tmp, rows, cols, winAlongRows);
  const narrow = new Float32Array(rows * PDQ_GRID);
  for (let r = 0; r < rows; r++) {
    const s = r * cols;
    const d = r * PDQ_GRID;
    for (let j = 0; j < PDQ_GRID; j++) narrow[d + j] = tmp[s + colIdx[j]];
  }
  boxAlongCols(narrow, out, rows, PDQ_GRID, winAlongCols, rowIdx);
  return out;
}
