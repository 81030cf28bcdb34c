/**
 * Writes the node's own WebAssembly kernels (PDQ's, blockhash's) as .wasm files for the worker:
 * Workers compile no code at run time, so the worker entry imports these files and Wrangler uploads
 * them precompiled. Node builds the same bytes in memory at first use (src/core/wasm/binary.ts).
 *
 *   npm run build:wasm            write src/runtime/worker/wasm/{pdq,blockhash}.wasm
 *   npm run build:wasm -- --check exit 1 if a file differs from what this would write
 *
 * The files are committed (a few KB, reproducible): test/runtime/worker-wasm.test.ts fails when a
 * kernel changed and they were not rebuilt.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { blockhashWasmBytes } from '../core/blockhash';
import { pdqWasmBytes } from '../core/pdq';

export const WASM_DIR = fileURLToPath(new URL('../runtime/worker/wasm/', import.meta.url));

/** File name -> the bytes the builder writes. */
export function kernelFiles(): Record<string, Uint8Array> {
  return { 'pdq.wasm': pdqWasmBytes(), 'blockhash.wasm': blockhashWasmBytes() };
}

function same(path: string, bytes: Uint8Array): boolean {
  try {
    return Buffer.compare(readFileSync(path), bytes) === 0;
  } catch {
    return false;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [name, bytes] of Object.entries(kernelFiles())) {
    const path = WASM_DIR + name;
    if (same(path, bytes)) continue;
    if (check) {
      console.error(`${path} is stale: run npm run build:wasm`);
      stale++;
    } else {
      writeFileSync(path, bytes);
      console.log(`wrote ${path} (${bytes.byteLength} bytes)`);
    }
  }
  process.exitCode = stale ? 1 : 0;
}
