/**
 * The worker imports the node's WebAssembly kernels as committed .wasm files (Workers compile no
 * code at run time). They must be exactly what the builder writes from src/core today.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kernelFiles, WASM_DIR } from '../../src/cli/build-wasm';

describe("the worker's .wasm kernels", () => {
  it.each(Object.entries(kernelFiles()))('%s equals what npm run build:wasm writes', (name, bytes) => {
    const committed = new Uint8Array(readFileSync(WASM_DIR + name));
    expect(Buffer.compare(committed, bytes), `${name} is stale: run npm run build:wasm and commit it`).toBe(0);
    expect(WebAssembly.validate(committed)).toBe(true);
  });
});
