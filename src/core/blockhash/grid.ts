/**
 * How one side of the image (its width or its height) is shared among the `bits` blocks of that
 * side, as blockhash-core shares it, in integer weights.
 *
 * Method 2 (`bmvbhash`): block b covers [b * n / bits, (b + 1) * n / bits) of the n pixels, and a
 * pixel counts in a block by the length of their overlap. Measured in 1/bits of a pixel, the edges
 * sit at b * n and pixel p covers [p * bits, (p + 1) * bits), so every overlap is an integer in
 * 0..bits. Method 1 (`bmvbhashEven`): blocks of floor(n / bits) whole pixels from the start; the
 * pixels past bits * floor(n / bits) count nowhere.
 *
 * These are exactly the weights the reference uses when n >= bits and bits is a power of two: its
 * `(p + 1) % blockWidth` is an exact remainder (fmod is exact) of dyadic numbers, and so are its
 * fractions `1 - frac` and `frac`; `Math.floor(p / blockWidth)` is exact because p * bits / n is
 * either an integer or at least 1/n away from one; a whole pixel's two weights `1 - frac` and `frac`
 * go to the same block and sum to 1; with n >= bits no pixel meets more than two blocks, and the
 * last pixel lies in block bits - 1.
 */

export interface AxisPlan {
  /** The weight of a pixel that lies inside one block: bits (method 2) or 1 (method 1). */
  unit: number;
  /** Per pixel: the block it starts in, or -1 when it counts in no block. */
  block: Int32Array;
  /** Per pixel: its weight in `block` and in `block + 1` (0 unless a block edge cuts the pixel). */
  low: Int32Array;
  high: Int32Array;
  /** Runs of whole pixels, [runStart[k], runEnd[k]) all in block runBlock[k] with weight `unit`. */
  runStart: Int32Array;
  runEnd: Int32Array;
  runBlock: Int32Array;
  /** The pixels a block edge cuts (high > 0), ascending. */
  cuts: Int32Array;
}

/** Whether bits is a power of two: then the reference's fractional weights are dyadic (exact). */
export function isPowerOfTwo(bits: number): boolean {
  return Number.isInteger(bits) && bits >= 2 && (bits & (bits - 1)) === 0 && bits <= 1 << 15;
}

/** The plan of a side of n pixels (n >= bits, bits a power of two). */
export function axisPlan(n: number, bits: number, method: 1 | 2): AxisPlan {
  const block = new Int32Array(n);
  const low = new Int32Array(n);
  const high = new Int32Array(n);
  let unit: number;
  if (method === 2) {
    unit = bits;
    for (let p = 0; p < n; p++) {
      const b = Math.floor((p * bits) / n); // exact: integers below 2^53
      const edge = (b + 1) * n; // the end of block b, in 1/bits of a pixel
      block[p] = b;
      if ((p + 1) * bits <= edge) low[p] = bits;
      else {
        low[p] = edge - p * bits;
        high[p] = (p + 1) * bits - edge;
      }
    }
  } else {
    unit = 1;
    const size = Math.floor(n / bits);
    for (let p = 0; p < n; p++) {
      if (p < size * bits) {
        block[p] = Math.floor(p / size);
        low[p] = 1;
      } else block[p] = -1;
    }
  }

  const starts: number[] = [];
  const ends: number[] = [];
  const blocks: number[] = [];
  const cuts: number[] = [];
  for (let p = 0; p < n; p++) {
    if (block[p] < 0) continue;
    if (high[p] > 0) {
      cuts.push(p);
      continue;
    }
    const last = blocks.length - 1;
    if (last >= 0 && ends[last] === p && blocks[last] === block[p]) ends[last] = p + 1;
    else {
      starts.push(p);
      ends.push(p + 1);
      blocks.push(block[p]);
    }
  }
  return {
    unit,
    block,
    low,
    high,
    runStart: Int32Array.from(starts),
    runEnd: Int32Array.from(ends),
    runBlock: Int32Array.from(blocks),
    cuts: Int32Array.from(cuts),
  };
}

/**
 * The reference's pixelsPerBlock (its block area, for the "half block" value), computed as it does:
 * blockWidth * blockHeight, fractional for method 2.
 */
export function pixelsPerBlock(width: number, height: number, bits: number, method: 1 | 2): number {
  const even = width % bits === 0 && height % bits === 0;
  return method === 2 && !even ? (width / bits) * (height / bits) : Math.floor(width / bits) * Math.floor(height / bits);
}
