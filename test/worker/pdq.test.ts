/**
 * PDQ inside workerd: Workers compile no WebAssembly at run time, so building the kernels from their
 * bytes fails there, loudly; the TypeScript path gives the hash it gives on Node (test/core/pdq.test.ts
 * holds both paths to the reference).
 */
import { describe, expect, it } from 'vitest';
import { buildHashKernels } from '../../src/core/kernels';
import { compilePdqKernels, pdqFromRgba } from '../../src/core/pdq';

describe('PDQ in workerd', () => {
  it('the kernels do not compile here, and say so; the TypeScript path gives the same hash as on Node', () => {
    const [w, h] = [257, 131];
    const rgba = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const o = (y * w + x) * 4;
        rgba.set([(x * 7 + y * 3) & 255, (x * y) & 255, (x ^ y) & 255, 255], o);
      }
    }
    expect(() => compilePdqKernels()).toThrow();
    expect(() => buildHashKernels()).toThrow(/the pdq WebAssembly kernel did not build/);
    // Computed on Node, by both paths.
    expect(pdqFromRgba(rgba, w, h, null)).toEqual({ hash: 'bf2a7d4ef3b27edeb3227f0eb32afc423baa3acea2a23ac2eb2a480a93a20202', quality: 100 });
  });
});
