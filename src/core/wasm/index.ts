/**
 * The WebAssembly room: a small binary writer (binary.ts) that the PDQ and blockhash kernels are
 * written with, and the check of a built module's exports. The node builds its SIMD kernels in
 * memory on Node, and `npm run build:wasm` writes the same bytes into .wasm files for workerd, which
 * compiles no code at run time.
 */
export * from './binary';
