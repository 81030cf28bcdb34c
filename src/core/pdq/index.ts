/**
 * The PDQ room: Meta's PDQ perceptual hash, bit-exact with the reference (pdq-photo-hasher) as HMA
 * runs it. The Jarosz box-filter downscale to 64×64 (downscale.ts, box.ts), the 16×16 DCT, median
 * threshold and quality (dct.ts), the hashes of RGBA or luma (hash.ts), the eight dihedral variants
 * from one DCT (dihedral.ts), the black-border trim (unletterbox.ts), and the WebAssembly SIMD
 * kernels (wasm-kernels.ts) with their driver (wasm-downscale.ts). Pure: it takes pixels and the
 * kernels the entry point built, and returns hashes; decoding lives in media/ and the runtimes.
 */
export * from './box';
export * from './dct';
export * from './dihedral';
export * from './downscale';
export * from './hash';
export * from './unletterbox';
export { compilePdqKernels, downscaleTo64Wasm, pdqKernelsFrom, type PdqKernels, type PlaneSource } from './wasm-downscale';
export { pdqWasmBytes } from './wasm-kernels';
