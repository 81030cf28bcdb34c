/**
 * Meta's PDQ perceptual hash (256 bits, 64 hex), bit-exact with the HMA pipeline
 * (python-threatexchange -> `pdqhash` binding -> the reference C++ core), from decoded RGBA:
 *
 * 1. luma = 0.299 R + 0.587 G + 0.114 B in binary64, stored as binary32 (numpy then `astype`);
 *    alpha is ignored;
 * 2. two rounds of Jarosz box filters, windows ceil(side / 128), and point-sampling to 64x64
 *    (pdq-downscale.ts);
 * 3. quality from the 64x64 gradients; the 16x16 low-frequency DCT block; one bit per coefficient
 *    above the median; printed as the reference prints (pdq-dct.ts).
 *
 * Images with a side under 5 pixels hash to all zeros with quality 0, as in the reference.
 */
import { dct64To16, pdqBitsToHex, pdqQuality } from './pdq-dct';
import { dihedralDct16, PDQ_DIHEDRAL_VARIANTS, type PdqDihedralVariant } from './pdq-dihedral';
import { downscaleTo64 } from './pdq-downscale';

export { dihedralPixels, PDQ_DIHEDRAL_VARIANTS, type PdqDihedralVariant } from './pdq-dihedral';

export interface PdqResult {
  /** 64 lowercase hex digits. */
  hash: string;
  /** 0..100; below 50 the hash says little about the image (flat, tiny or blank). */
  quality: number;
}

export interface PdqDihedralResult {
  /** The 8 variants in PDQ_DIHEDRAL_VARIANTS order; `original` is the plain hash. */
  hashes: { variant: PdqDihedralVariant; hash: string }[];
  quality: number;
}

/** The reference's smallest hashable side. */
export const PDQ_MIN_SIDE = 5;
const ZERO_HASH = '0'.repeat(64);

/**
 * HMA's luminance: numpy evaluates `R*0.299 + G*0.587 + B*0.114` in binary64, left to right, then
 * casts to binary32 (the store into the Float32Array). (The C++ CLI instead uses binary32
 * coefficients and arithmetic, which can differ in the last bit of a few pixels.)
 */
export function lumaFromRgba(rgba: Uint8Array, width: number, height: number): Float32Array {
  const n = width * height;
  if (rgba.length < n * 4) throw new RangeError(`rgba has ${rgba.length} bytes; ${width}x${height} RGBA needs ${n * 4}`);
  const luma = new Float32Array(n);
  for (let p = 0, q = 0; p < n; p++, q += 4) luma[p] = rgba[q] * 0.299 + rgba[q + 1] * 0.587 + rgba[q + 2] * 0.114;
  return luma;
}

/** The 16x16 DCT block and quality of a luma plane (rows = height, cols = width); consumes `luma`. */
function pdqCore(luma: Float32Array, width: number, height: number): { dct: Float32Array; quality: number } {
  const plane = downscaleTo64(luma, height, width);
  return { dct: dct64To16(plane), quality: pdqQuality(plane) };
}

/** PDQ of a float luma plane (row-major, width x height), e.g. for video frames. Overwrites `luma`. */
export function pdqFromLuma(luma: Float32Array, width: number, height: number): PdqResult {
  if (width < PDQ_MIN_SIDE || height < PDQ_MIN_SIDE) return { hash: ZERO_HASH, quality: 0 };
  const { dct, quality } = pdqCore(luma, width, height);
  return { hash: pdqBitsToHex(dct), quality };
}

/** PDQ of 8-bit RGBA pixels (4 bytes per pixel, row-major). */
export function pdqFromRgba(rgba: Uint8Array, width: number, height: number): PdqResult {
  if (width < PDQ_MIN_SIDE || height < PDQ_MIN_SIDE) return { hash: ZERO_HASH, quality: 0 };
  return pdqFromLuma(lumaFromRgba(rgba, width, height), width, height);
}

/**
 * The PDQ hashes of the image's 8 rotations and mirrors (see pdq-dihedral.ts for which is which),
 * from one downsample and one DCT. Matching a query's 8 hashes against stored hashes finds rotated
 * or mirrored copies. For a 64x64 input the reference's dihedral entry point filters where its plain
 * one does not; here both skip the filter, so `original` always equals pdqFromRgba's hash.
 */
export function pdqDihedralFromRgba(rgba: Uint8Array, width: number, height: number): PdqDihedralResult {
  if (width < PDQ_MIN_SIDE || height < PDQ_MIN_SIDE) {
    return { hashes: PDQ_DIHEDRAL_VARIANTS.map((variant) => ({ variant, hash: ZERO_HASH })), quality: 0 };
  }
  const { dct, quality } = pdqCore(lumaFromRgba(rgba, width, height), width, height);
  return {
    hashes: PDQ_DIHEDRAL_VARIANTS.map((variant) => ({ variant, hash: pdqBitsToHex(variant === 'original' ? dct : dihedralDct16(dct, variant)) })),
    quality,
  };
}
