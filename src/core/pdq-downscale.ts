/**
 * PDQ's downsampling of a float32 luma plane to 64x64: two rounds of Jarosz box filtering (a 1-D
 * moving average along rows, then along columns), then point-sampling at cell centres.
 *
 * Bit-exactness: the reference does this in C float (IEEE binary32, no FMA). JavaScript numbers are
 * binary64, so each add/subtract is rounded back with `Math.fround` or by a store into a
 * Float32Array, in the reference's order; for + and - a binary64 result rounded once to binary32
 * equals the binary32 result. The mean `sum / n` is computed as `sum * (1 / n)` rounded to binary32:
 * for a binary32 `sum` and an integer n < 2^20 the exact quotient is never a binary32 tie and lies at
 * least 2^-45 (relative) from one, far more than the 2^-52 error of the product, so the rounding
 * is the same as the reference's division.
 *
 * Speed: the plane is streamed in bands of 4 rows (luma, row filter, column filter and second row
 * filter run while the band is in cache; the column filter keeps one running sum per column, the
 * same per-column sequence of operations as the reference), the row filter runs 4 independent rows
 * side by side so their dependency chains overlap, and the second column filter only runs on the
 * 64 columns and keeps the 64 rows that the decimation reads. Memory: a few rows, not the plane.
 */

const fround = Math.fround;

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

/**
 * The phases of one 1-D pass of length n with window `win`: the window is centred (reads run
 * `half - 1` ahead of writes) and shrinks at both ends; each output is the mean of what it covers.
 * [adds before the first write, adds with writes (growing window), full-window steps, final writes].
 */
function phases(n: number, win: number): [number, number, number, number] {
  const half = (win + 2) >> 1;
  return [half - 1, win - half + 1, n - win, half - 1];
}

/** Source of luma rows: writes rows y0..y0+count-1 (each `cols` long) contiguously into `out`. */
export type LumaRows = (y0: number, count: number, out: Float32Array) => void;

/** Box filter along one row: src[s..s+cols) -> dst[d..d+cols). */
function boxRow(src: Float32Array, s: number, dst: Float32Array, d: number, cols: number, win: number): void {
  const [p1, p2, p3, p4] = phases(cols, win);
  let ri = s;
  let li = s;
  let oi = d;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < p1; i++) (sum = fround(sum + src[ri++])), n++;
  for (let i = 0; i < p2; i++) {
    sum = fround(sum + src[ri++]);
    dst[oi++] = sum * (1 / ++n);
  }
  const inv = 1 / n;
  for (let i = 0; i < p3; i++) {
    sum = fround(fround(sum + src[ri++]) - src[li++]);
    dst[oi++] = sum * inv;
  }
  for (let i = 0; i < p4; i++) {
    sum = fround(sum - src[li++]);
    dst[oi++] = sum * (1 / --n);
  }
}

/** boxRow on 4 consecutive rows at once (independent running sums, so the CPU overlaps them). */
function boxRows4(src: Float32Array, s: number, dst: Float32Array, d: number, cols: number, win: number): void {
  const [p1, p2, p3, p4] = phases(cols, win);
  const s1 = s + cols;
  const s2 = s1 + cols;
  const s3 = s2 + cols;
  const d1 = d + cols;
  const d2 = d1 + cols;
  const d3 = d2 + cols;
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let ri = 0;
  let li = 0;
  let oi = 0;
  let n = 0;
  for (let i = 0; i < p1; i++, ri++, n++) {
    a0 = fround(a0 + src[s + ri]);
    a1 = fround(a1 + src[s1 + ri]);
    a2 = fround(a2 + src[s2 + ri]);
    a3 = fround(a3 + src[s3 + ri]);
  }
  for (let i = 0; i < p2; i++, ri++, oi++) {
    const inv = 1 / ++n;
    dst[d + oi] = (a0 = fround(a0 + src[s + ri])) * inv;
    dst[d1 + oi] = (a1 = fround(a1 + src[s1 + ri])) * inv;
    dst[d2 + oi] = (a2 = fround(a2 + src[s2 + ri])) * inv;
    dst[d3 + oi] = (a3 = fround(a3 + src[s3 + ri])) * inv;
  }
  const inv = 1 / n;
  for (let i = 0; i < p3; i++, ri++, li++, oi++) {
    dst[d + oi] = (a0 = fround(fround(a0 + src[s + ri]) - src[s + li])) * inv;
    dst[d1 + oi] = (a1 = fround(fround(a1 + src[s1 + ri]) - src[s1 + li])) * inv;
    dst[d2 + oi] = (a2 = fround(fround(a2 + src[s2 + ri]) - src[s2 + li])) * inv;
    dst[d3 + oi] = (a3 = fround(fround(a3 + src[s3 + ri]) - src[s3 + li])) * inv;
  }
  for (let i = 0; i < p4; i++, li++, oi++) {
    const inv4 = 1 / --n;
    dst[d + oi] = (a0 = fround(a0 - src[s + li])) * inv4;
    dst[d1 + oi] = (a1 = fround(a1 - src[s1 + li])) * inv4;
    dst[d2 + oi] = (a2 = fround(a2 - src[s2 + li])) * inv4;
    dst[d3 + oi] = (a3 = fround(a3 - src[s3 + li])) * inv4;
  }
}

function boxRows(src: Float32Array, s: number, dst: Float32Array, d: number, rows: number, cols: number, win: number): void {
  let r = 0;
  for (; r + 4 <= rows; r += 4) boxRows4(src, s + r * cols, dst, d + r * cols, cols, win);
  for (; r < rows; r++) boxRow(src, s + r * cols, dst, d + r * cols, cols, win);
}

/**
 * The column filter as a state machine fed one row at a time (`push`, then `finish`): one running
 * binary32 sum per column, in a Float32Array so each store rounds. Rows to subtract are read back
 * from `rowAt`, which must still hold the last `win` rows pushed.
 */
class ColumnBox {
  private readonly sums: Float32Array;
  private readonly p: [number, number, number, number];
  private pushed = 0;
  private n = 0;

  constructor(
    private readonly rows: number,
    private readonly cols: number,
    private readonly win: number,
    private readonly rowAt: (y: number) => number,
    private readonly src: Float32Array,
    private readonly emit: (row: Float32Array) => void,
    private readonly out = new Float32Array(cols),
  ) {
    this.sums = new Float32Array(cols);
    this.p = phases(rows, win);
  }

  push(): void {
    const { sums, src, cols, out } = this;
    const y = this.pushed++;
    const a = this.rowAt(y);
    if (y < this.p[0]) {
      for (let x = 0; x < cols; x++) sums[x] += src[a + x];
      this.n++;
    } else if (y < this.p[0] + this.p[1]) {
      const inv = 1 / ++this.n;
      for (let x = 0; x < cols; x++) {
        const v = fround(sums[x] + src[a + x]);
        sums[x] = v;
        out[x] = v * inv;
      }
      this.emit(out);
    } else {
      const b = this.rowAt(y - this.win);
      const inv = 1 / this.n;
      for (let x = 0; x < cols; x++) {
        const v = fround(fround(sums[x] + src[a + x]) - src[b + x]);
        sums[x] = v;
        out[x] = v * inv;
      }
      this.emit(out);
    }
  }

  finish(): void {
    const { sums, src, cols, out } = this;
    for (let i = 0, y = this.rows - this.win; i < this.p[3]; i++, y++) {
      const b = this.rowAt(y);
      const inv = 1 / --this.n;
      for (let x = 0; x < cols; x++) {
        const v = fround(sums[x] - src[b + x]);
        sums[x] = v;
        out[x] = v * inv;
      }
      this.emit(out);
    }
  }
}

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
  const winAlongRows = jaroszWindowSize(cols, PDQ_GRID);
  const winAlongCols = jaroszWindowSize(rows, PDQ_GRID);
  const colIdx = decimationIndices(cols);

  // Round 2's column pass only needs the 64 sampled columns of round 2's row pass.
  const narrow = new Float32Array(rows * PDQ_GRID);
  const c1Rows = new Float32Array(BAND * cols); // round-1 output rows waiting for round 2's row pass
  const r2Rows = new Float32Array(BAND * cols);
  let pending = 0;
  let done = 0;
  const flush = (): void => {
    boxRows(c1Rows, 0, r2Rows, 0, pending, cols, winAlongRows);
    for (let k = 0; k < pending; k++, done++) {
      for (let j = 0; j < PDQ_GRID; j++) narrow[done * PDQ_GRID + j] = r2Rows[k * cols + colIdx[j]];
    }
    pending = 0;
  };
  const emit = (row: Float32Array): void => {
    c1Rows.set(row, pending * cols);
    if (++pending === BAND) flush();
  };

  // Round 1: luma bands -> row pass into a ring of rows -> column pass, row by row.
  const ringRows = Math.ceil((winAlongCols + BAND) / BAND) * BAND; // the band being written + `win` rows back
  const ring = new Float32Array(ringRows * cols);
  const luma = new Float32Array(BAND * cols);
  const columns = new ColumnBox(rows, cols, winAlongCols, (y) => (y % ringRows) * cols, ring, emit);
  for (let y0 = 0; y0 < rows; y0 += BAND) {
    const count = Math.min(BAND, rows - y0);
    fill(y0, count, luma);
    boxRows(luma, 0, ring, (y0 % ringRows) * cols, count, cols, winAlongRows);
    for (let k = 0; k < count; k++) columns.push();
  }
  columns.finish();
  if (pending > 0) flush();

  // Round 2's column pass on the 64 columns, keeping the 64 sampled rows.
  const rowIdx = decimationIndices(rows);
  let emitted = 0;
  let k = 0;
  const keep = (row: Float32Array): void => {
    while (k < PDQ_GRID && rowIdx[k] === emitted) out.set(row, PDQ_GRID * k++);
    emitted++;
  };
  const columns2 = new ColumnBox(rows, PDQ_GRID, winAlongCols, (y) => y * PDQ_GRID, narrow, keep);
  for (let y = 0; y < rows; y++) columns2.push();
  columns2.finish();
  return out;
}
