/**
 * The box-filter kernels of PDQ's Jarosz downsampling, binary32-exact (see downscale.ts for why
 * `Math.fround` and `* (1 / n)` reproduce the reference's float arithmetic).
 *
 * A 1-D pass of length n with window `win` is centred (reads run `half - 1` ahead of writes) and
 * shrinks at both ends; each output is the mean of what the window covers. The running sum is
 * updated by one add and/or one subtract per step, rounded to binary32 after each, as the reference.
 */

const fround = Math.fround;

/** [adds before the first write, adds with writes (growing window), full-window steps, final writes]. */
export function phases(n: number, win: number): [number, number, number, number] {
  const half = (win + 2) >> 1;
  return [half - 1, win - half + 1, n - win, half - 1];
}

/**
 * The row filter on 4 rows at once: src rows at s0..s3, outputs to dst rows at d0..d3. Four
 * independent running sums let the CPU overlap their dependency chains. Fewer than 4 rows: repeat a
 * row (same source and destination), which computes and writes the same values twice.
 *
 * Only the outputs at the columns listed in `sample` (sorted, repeats allowed) are written, packed:
 * dst[dK + j] = output column sample[j]; round 2 of the filter needs no other column. `dense` says
 * that `sample` is every column in order, for which the main loop writes without checking.
 */
function boxRows4(
  src: Float32Array,
  s0: number,
  s1: number,
  s2: number,
  s3: number,
  dst: Float32Array,
  d0: number,
  d1: number,
  d2: number,
  d3: number,
  cols: number,
  win: number,
  sample: Int32Array,
  dense: boolean,
): void {
  const [p1, p2, p3, p4] = phases(cols, win);
  const m = sample.length;
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let ri = 0; // next column to add
  let li = 0; // next column to subtract
  let o = 0; // next output column
  let n = 0;
  let inv = 0;
  let j = 0; // next sample slot
  let next = m > 0 ? sample[0] : -1;
  for (let i = 0; i < p1; i++, ri++, n++) {
    a0 = fround(a0 + src[s0 + ri]);
    a1 = fround(a1 + src[s1 + ri]);
    a2 = fround(a2 + src[s2 + ri]);
    a3 = fround(a3 + src[s3 + ri]);
  }
  for (let i = 0; i < p2; i++, ri++, o++) {
    a0 = fround(a0 + src[s0 + ri]);
    a1 = fround(a1 + src[s1 + ri]);
    a2 = fround(a2 + src[s2 + ri]);
    a3 = fround(a3 + src[s3 + ri]);
    inv = 1 / ++n;
    for (; j < m && sample[j] === o; j++) (dst[d0 + j] = a0 * inv), (dst[d1 + j] = a1 * inv), (dst[d2 + j] = a2 * inv), (dst[d3 + j] = a3 * inv);
  }
  next = j < m ? sample[j] : -1;
  inv = 1 / n;
  if (dense) {
    for (let i = 0; i < p3; i++, ri++, li++, o++) {
      dst[d0 + o] = (a0 = fround(fround(a0 + src[s0 + ri]) - src[s0 + li])) * inv;
      dst[d1 + o] = (a1 = fround(fround(a1 + src[s1 + ri]) - src[s1 + li])) * inv;
      dst[d2 + o] = (a2 = fround(fround(a2 + src[s2 + ri]) - src[s2 + li])) * inv;
      dst[d3 + o] = (a3 = fround(fround(a3 + src[s3 + ri]) - src[s3 + li])) * inv;
    }
    j = o;
  } else {
    for (let i = 0; i < p3; i++, ri++, li++, o++) {
      a0 = fround(fround(a0 + src[s0 + ri]) - src[s0 + li]);
      a1 = fround(fround(a1 + src[s1 + ri]) - src[s1 + li]);
      a2 = fround(fround(a2 + src[s2 + ri]) - src[s2 + li]);
      a3 = fround(fround(a3 + src[s3 + ri]) - src[s3 + li]);
      if (o === next) {
        for (; j < m && sample[j] === o; j++) (dst[d0 + j] = a0 * inv), (dst[d1 + j] = a1 * inv), (dst[d2 + j] = a2 * inv), (dst[d3 + j] = a3 * inv);
        next = j < m ? sample[j] : -1;
      }
    }
  }
  for (let i = 0; i < p4; i++, li++, o++) {
    a0 = fround(a0 - src[s0 + li]);
    a1 = fround(a1 - src[s1 + li]);
    a2 = fround(a2 - src[s2 + li]);
    a3 = fround(a3 - src[s3 + li]);
    inv = 1 / --n;
    for (; j < m && sample[j] === o; j++) (dst[d0 + j] = a0 * inv), (dst[d1 + j] = a1 * inv), (dst[d2 + j] = a2 * inv), (dst[d3 + j] = a3 * inv);
  }
}

/**
 * The row filter on `count` consecutive rows (src rows from s, `cols` apart; dst rows from d,
 * `sample.length` apart), writing the `sample` columns (see boxRows4).
 */
export function boxRows(
  src: Float32Array,
  s: number,
  dst: Float32Array,
  d: number,
  count: number,
  cols: number,
  win: number,
  sample: Int32Array,
  dense: boolean,
): void {
  const stride = sample.length;
  for (let r = 0; r < count; r += 4) {
    const r1 = Math.min(r + 1, count - 1);
    const r2 = Math.min(r + 2, count - 1);
    const r3 = Math.min(r + 3, count - 1);
    boxRows4(
      src,
      s + r * cols,
      s + r1 * cols,
      s + r2 * cols,
      s + r3 * cols,
      dst,
      d + r * stride,
      d + r1 * stride,
      d + r2 * stride,
      d + r3 * stride,
      cols,
      win,
      sample,
      dense,
    );
  }
}

// The column filter's kernels, one input row at a time: one running sum per column (binary32
// values kept in a Float64Array, rounded by `fround`), the same per-column sequence of operations as
// the reference's column-by-column loop but walking memory row by row. Add row `a` and/or subtract
// row `b` of `src`; write the means (times `inv` = 1 / window) to `dst` at `d`.

export function colAdd(sums: Float64Array, src: Float32Array, a: number, cols: number): void {
  for (let x = 0; x < cols; x++) sums[x] = fround(sums[x] + src[a + x]);
}

export function colAddOut(sums: Float64Array, src: Float32Array, a: number, cols: number, inv: number, dst: Float32Array, d: number): void {
  for (let x = 0; x < cols; x++) dst[d + x] = (sums[x] = fround(sums[x] + src[a + x])) * inv;
}

export function colAddSubOut(sums: Float64Array, src: Float32Array, a: number, b: number, cols: number, inv: number, dst: Float32Array, d: number): void {
  for (let x = 0; x < cols; x++) dst[d + x] = (sums[x] = fround(fround(sums[x] + src[a + x]) - src[b + x])) * inv;
}

export function colSubOut(sums: Float64Array, src: Float32Array, b: number, cols: number, inv: number, dst: Float32Array, d: number): void {
  for (let x = 0; x < cols; x++) dst[d + x] = (sums[x] = fround(sums[x] - src[b + x])) * inv;
}
