/**
 * Meta's PDQ perceptual hash (256 bits, 64 hex), bit-exact with the HMA pipeline
 * (python-threatexchange -> `pdqhash` binding -> the reference C++ core), from decoded RGBA:
 *
 * 1. luma = 0.299 R + 0.587 G + 0.114 B in binary64, stored as binary32 (numpy then `astype`);
 *    alpha is ignored;
 * 2. two rounds of Jarosz box filters, windows ceil(side / 128), and point-sampling to 64x64
 *    (downscale.ts; run as WebAssembly SIMD by wasm-downscale.ts with the kernels given, with the
 *    same result);
 * 3. quality from the 64x64 gradients; the 16x16 low-frequency DCT block; one bit per coefficient
 *    above the median; printed as the reference prints (dct.ts).
 *
 * Each function takes the WebAssembly kernels, or null for the TypeScript path (same hashes, about
 * 5x slower on 1080p): the caller decides, never a fallback. Images with a side under 5 pixels hash
 * to all zeros with quality 0, as in the reference.
 */
import { dct64To16, pdqBitsToHex, pdqQuality } from './dct';
import { dihedralDct16, PDQ_DIHEDRAL_VARIANTS, type PdqDihedralVariant } from './dihedral';
import { downscaleTo64, PDQ_GRID, type LumaRows } from './downscale';
import { downscaleTo64Wasm, type PdqKernels, type PlaneSource } from './wasm-downscale';

export { dihedralFromHash, dihedralPixels, PDQ_DIHEDRAL_VARIANTS, type PdqDihedralVariant } from './dihedral';

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
const PDQ_MIN_SIDE = 5;
const ZERO_HASH = '0'.repeat(64);

// HMA's luminance: numpy evaluates `R*0.299 + G*0.587 + B*0.114` in binary64, left to right, then
// casts to binary32 (here, the store into a Float32Array). The tables hold the same binary64
// products. (The C++ CLI instead uses binary32 coefficients and arithmetic, which can differ in the
// last bit of some pixels.)
const LUMA_R = new Float64Array(256);
const LUMA_G = new Float64Array(256);
const LUMA_B = new Float64Array(256);
for (let i = 0; i < 256; i++) {
  LUMA_R[i] = i * 0.299;
  LUMA_G[i] = i * 0.587;
  LUMA_B[i] = i * 0.114;
}
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

// Plain functions taking the arrays as arguments: V8 ran these loops about twice as fast as the same
// loops in closures over the arrays (measured on Node 20).
function lumaFromPixels32(px: Uint32Array, start: number, count: number, out: Float32Array): void {
  for (let i = 0; i < count; i++) {
    const v = px[start + i];
    out[i] = LUMA_R[v & 255] + LUMA_G[(v >>> 8) & 255] + LUMA_B[(v >>> 16) & 255];
  }
}

function lumaFromBytes(rgba: Uint8Array, start: number, count: number, out: Float32Array): void {
  for (let i = 0, q = start * 4; i < count; i++, q += 4) out[i] = LUMA_R[rgba[q]] + LUMA_G[rgba[q + 1]] + LUMA_B[rgba[q + 2]];
}

/** Luma rows computed on demand from RGBA (alpha ignored). */
function rgbaRows(rgba: Uint8Array, width: number, height: number): LumaRows {
  if (LITTLE_ENDIAN && rgba.byteOffset % 4 === 0) {
    const px = new Uint32Array(rgba.buffer, rgba.byteOffset, width * height);
    return (y0, count, out) => lumaFromPixels32(px, y0 * width, count * width, out);
  }
  return (y0, count, out) => lumaFromBytes(rgba, y0 * width, count * width, out);
}

function checkRgba(rgba: Uint8Array, width: number, height: number): void {
  if (rgba.length < width * height * 4) throw new RangeError(`rgba has ${rgba.length} bytes; ${width}x${height} RGBA needs ${width * height * 4}`);
}

/** HMA's float luma plane of RGBA pixels (row-major, width x height). */
export function lumaFromRgba(rgba: Uint8Array, width: number, height: number): Float32Array {
  checkRgba(rgba, width, height);
  const luma = new Float32Array(width * height);
  rgbaRows(rgba, width, height)(0, height, luma);
  return luma;
}

/** The 16x16 DCT block and quality of a plane: with the kernels when given, else in TypeScript. */
function pdqCore(src: PlaneSource, width: number, height: number, k: PdqKernels | null): { dct: Float32Array; quality: number } {
  let plane: Float32Array;
  if (k && !(width === PDQ_GRID && height === PDQ_GRID)) plane = downscaleTo64Wasm(k, height, width, src);
  else if ('rgba' in src) plane = downscaleTo64(height, width, rgbaRows(src.rgba, width, height));
  else plane = downscaleTo64(height, width, (y0, count, out) => out.set(src.luma.subarray(y0 * width, (y0 + count) * width)));
  return { dct: dct64To16(plane), quality: pdqQuality(plane) };
}

/** PDQ of a float luma plane (row-major, width x height), e.g. for video frames. */
export function pdqFromLuma(luma: Float32Array, width: number, height: number, kernels: PdqKernels | null): PdqResult {
  if (width < PDQ_MIN_SIDE || height < PDQ_MIN_SIDE) return { hash: ZERO_HASH, quality: 0 };
  if (luma.length < width * height) throw new RangeError(`luma has ${luma.length} values; ${width}x${height} needs ${width * height}`);
  const { dct, quality } = pdqCore({ luma }, width, height, kernels);
  return { hash: pdqBitsToHex(dct), quality };
}

/** PDQ of 8-bit RGBA pixels (4 bytes per pixel, row-major). */
export function pdqFromRgba(rgba: Uint8Array, width: number, height: number, kernels: PdqKernels | null): PdqResult {
  if (width < PDQ_MIN_SIDE || height < PDQ_MIN_SIDE) return { hash: ZERO_HASH, quality: 0 };
  checkRgba(rgba, width, height);
  const { dct, quality } = pdqCore({ rgba }, width, height, kernels);
  return { hash: pdqBitsToHex(dct), quality };
}

/**
 * The PDQ hashes of the image's 8 rotations and mirrors (see dihedral.ts for which is which),
 * from one downsample and one DCT. Matching a query's 8 hashes against stored hashes finds rotated
 * or mirrored copies. For a 64x64 input the reference's dihedral entry point filters where its plain
 * one does not; here both skip the filter, so `original` always equals pdqFromRgba's hash.
 */
export function pdqDihedralFromRgba(rgba: Uint8Array, width: number, height: number, kernels: PdqKernels | null): PdqDihedralResult {
  if (width < PDQ_MIN_SIDE || height < PDQ_MIN_SIDE) {
    return { hashes: PDQ_DIHEDRAL_VARIANTS.map((variant) => ({ variant, hash: ZERO_HASH })), quality: 0 };
  }
  checkRgba(rgba, width, height);
  const { dct, quality } = pdqCore({ rgba }, width, height, kernels);
  return {
    hashes: PDQ_DIHEDRAL_VARIANTS.map((variant) => ({ variant, hash: pdqBitsToHex(variant === 'original' ? dct : dihedralDct16(dct, variant)) })),
    quality,
  };
}
