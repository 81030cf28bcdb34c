/**
 * The blockhash room: blockhash (Yang, Gu & Niu, 2006), 16 blocks a side -> 256 bits, 64 hex,
 * bit-exactly as blockhash-core computes it. The block grid and its weights (grid.ts), the sums over
 * runs of pixels (sums.ts) and their WebAssembly SIMD kernel (wasm.ts), the median bits (bits.ts),
 * the hash and its eight dihedral variants from one pass (hash.ts). Method 2 (`bmvbhash`,
 * fractional block weights) is the node's canonical one; method 1 (`bmvbhashEven`) is exposed for
 * conformance with the reference "quick" hashes. Cases the room does not compute (a side under
 * `bits`, bits not a power of two) go to blockhash-core itself (`blockhash` below).
 */
import { bmvbhash, bmvbhashEven } from 'blockhash-core';
import { blockhashFromRgba, blockhashSupports } from './hash';
import type { BlockhashKernels } from './wasm';
import type { DecodedImage } from '../media';

export {
  blockhashDihedralFromRgba,
  blockhashDihedralFromValues,
  blockhashFromRgba,
  blockhashFromValues,
  blockhashSupports,
  blockhashValues,
  type BlockhashMethod,
} from './hash';
export { blockhashKernelsFrom, blockhashWasmBytes, compileBlockhashKernels, type BlockhashKernels } from './wasm';

export const BLOCKHASH_BITS_PER_SIDE = 16;

/** blockhash of a decoded image, with the kernel given (or null: the TypeScript loop). */
export function blockhash(img: DecodedImage, kernels: BlockhashKernels | null, method: 1 | 2 = 2, bits = BLOCKHASH_BITS_PER_SIDE): string {
  if (blockhashSupports(img.width, img.height, bits)) return blockhashFromRgba(img.rgba, img.width, img.height, kernels, method, bits);
  const data = { width: img.width, height: img.height, data: img.rgba };
  return method === 2 ? bmvbhash(data, bits) : bmvbhashEven(data, bits);
}
