/**
 * blockhash (Yang, Gu & Niu, 2006) from RGBA pixels, bit-exact with blockhash-core's `bmvbhash`
 * (method 2) and `bmvbhashEven` (method 1), in one pass over the pixels with integer arithmetic.
 *
 * Why integers give the reference's bits: with bits a power of two and both sides at least bits,
 * every weight blockhash-core uses is a multiple of 1/bits (grid.ts), every term
 * (R + G + B) * weightTop * weightLeft a multiple of 1/bits^2 and every partial sum at most
 * 765 * width * height. While 765 * width * height * bits^2 < 2^53 (16 bits a side: up to 4.6e10
 * pixels) all of these are exact in binary64, so the reference's float block values are exactly the
 * real sums, whatever the order it adds them in. Computed here as integers in units of 1/bits^2
 * (sums.ts) and scaled by a power of two, they are the same binary64 numbers, and the median and
 * comparisons (bits.ts) then run on identical inputs.
 *
 * The inner loop (plain sums of pixel values over runs of pixels) runs as a WebAssembly SIMD kernel
 * when the caller gives one (wasm.ts), else in TypeScript (null); integer sums, so both give the same.
 *
 * The same exactness makes the block values a geometric quantity of the image: rotating or
 * mirroring the image rotates or mirrors the grid of values, so the 8 dihedral hashes come from one
 * pass (`blockhashDihedralFromRgba`).
 */
import { dihedralPixels, PDQ_DIHEDRAL_VARIANTS, type PdqDihedralVariant } from '../pdq';
import { bitsToHex, blocksToBits } from './bits';
import { axisPlan, isPowerOfTwo, pixelsPerBlock } from './grid';
import { blockSums, tsRunTotals } from './sums';
import { wasmRunTotals, type BlockhashKernels } from './wasm';

export type BlockhashMethod = 1 | 2;

/**
 * Whether blockhashFromRgba computes this case: bits a power of two, both sides at least bits, and
 * few enough pixels for exact binary64 sums. Other cases need blockhash-core itself.
 */
export function blockhashSupports(width: number, height: number, bits: number): boolean {
  return (
    isPowerOfTwo(bits) && Number.isInteger(width) && Number.isInteger(height) && width >= bits && height >= bits && 765 * width * height * bits * bits < 2 ** 53
  );
}

/**
 * The bits x bits block values (row-major) that the hash compares with their band's median: the
 * same binary64 numbers blockhash-core computes.
 */
export function blockhashValues(
  rgba: Uint8Array,
  width: number,
  height: number,
  kernels: BlockhashKernels | null,
  method: BlockhashMethod = 2,
  bits = 16,
): Float64Array {
  if (!blockhashSupports(width, height, bits))
    throw new RangeError(`blockhash of ${width}x${height} with ${bits} bits a side is not computed here (see blockhashSupports)`);
  if (rgba.length < width * height * 4) throw new RangeError(`${width}x${height} RGBA needs ${width * height * 4} bytes, got ${rgba.length}`);
  const rows = axisPlan(height, bits, method);
  const cols = axisPlan(width, bits, method);
  const sums = blockSums(rgba, width, height, bits, rows, cols, kernels ? wasmRunTotals(kernels) : tsRunTotals);
  const scale = rows.unit * cols.unit; // a power of two: the division is exact
  for (let i = 0; i < sums.length; i++) sums[i] /= scale;
  return sums;
}

/**
 * blockhash of width x height RGBA pixels (row-major, 4 bytes a pixel), as blockhash-core's
 * `bmvbhash(data, bits)` (method 2) or `bmvbhashEven(data, bits)` (method 1): bits^2 bits, hex.
 */
export function blockhashFromRgba(
  rgba: Uint8Array,
  width: number,
  height: number,
  kernels: BlockhashKernels | null,
  method: BlockhashMethod = 2,
  bits = 16,
): string {
  return blockhashFromValues(blockhashValues(rgba, width, height, kernels, method, bits), width, height, method, bits);
}

/** The hash of block values `blockhashValues` gave for a width x height image (the same method and bits). */
export function blockhashFromValues(values: Float64Array, width: number, height: number, method: BlockhashMethod = 2, bits = 16): string {
  return bitsToHex(blocksToBits(values, pixelsPerBlock(width, height, bits, method)));
}

/**
 * Method-2 blockhashes of the image's 8 rotations and mirrors (core/pdq dihedral.ts names them), each
 * equal to blockhashFromRgba of dihedralPixels(rgba, width, height, variant), from one pass.
 */
export function blockhashDihedralFromRgba(
  rgba: Uint8Array,
  width: number,
  height: number,
  kernels: BlockhashKernels | null,
  bits = 16,
): { variant: PdqDihedralVariant; hash: string }[] {
  return blockhashDihedralFromValues(blockhashValues(rgba, width, height, kernels, 2, bits), width, height, bits);
}

/** blockhashDihedralFromRgba from the method-2 block values `blockhashValues` gave for a width x height image. */
export function blockhashDihedralFromValues(values: Float64Array, width: number, height: number, bits = 16): { variant: PdqDihedralVariant; hash: string }[] {
  // A transpose swaps the block sides; their product, the block area, is the same binary64 number.
  const area = pixelsPerBlock(width, height, bits, 2);
  return PDQ_DIHEDRAL_VARIANTS.map((variant) => {
    const order = gridOrder(bits, variant);
    const moved = new Float64Array(values.length);
    for (let i = 0; i < moved.length; i++) moved[i] = values[order[i]];
    return { variant, hash: bitsToHex(blocksToBits(moved, area)) };
  });
}

/**
 * For a variant, which block of the original grid lands at each block of the variant's grid: the
 * pixel transform itself applied to a bits x bits "image" whose pixels are their own indices, so
 * the grids move exactly as dihedralPixels moves pixels.
 */
function gridOrder(bits: number, variant: PdqDihedralVariant): Uint32Array {
  const indices = Uint32Array.from({ length: bits * bits }, (_, i) => i);
  const moved = dihedralPixels(new Uint8Array(indices.buffer), bits, bits, variant).rgba;
  return new Uint32Array(moved.buffer, moved.byteOffset, bits * bits).slice();
}
