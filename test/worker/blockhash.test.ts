/**
 * blockhash inside workerd: Workers compile no WebAssembly at run time, so the kernel does not build
 * from its bytes there; the TypeScript path must still equal blockhash-core (test/core/blockhash-fast.test.ts
 * holds both paths to the reference on Node).
 */
import { bmvbhash } from 'blockhash-core';
import { describe, expect, it } from 'vitest';
import { blockhashDihedralFromRgba, blockhashFromRgba, compileBlockhashKernels } from '../../src/core/blockhash';
import { dihedralPixels } from '../../src/core/pdq';

function image(w: number, h: number): Uint8Array {
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 4;
      rgba.set([(x * 7 + y * 3) & 255, (x * y) & 255, (x ^ y) & 255, (x + y) % 11 === 0 ? 0 : 255], o);
    }
  }
  return rgba;
}

describe('blockhash in workerd', () => {
  it('the kernel does not compile here; the TypeScript path equals blockhash-core', () => {
    expect(() => compileBlockhashKernels()).toThrow();
    for (const [w, h] of [
      [257, 131],
      [17, 3999],
      [1921, 1081],
      [640, 480],
    ]) {
      const rgba = image(w, h);
      expect(blockhashFromRgba(rgba, w, h, null), `${w}x${h}`).toBe(bmvbhash({ width: w, height: h, data: rgba }, 16));
    }
  });

  it('the rotations and mirrors from one pass equal blockhash-core on the transformed pixels', () => {
    const [w, h] = [203, 117];
    const rgba = image(w, h);
    for (const { variant, hash } of blockhashDihedralFromRgba(rgba, w, h, null)) {
      const t = dihedralPixels(rgba, w, h, variant);
      expect(hash, variant).toBe(bmvbhash({ width: t.width, height: t.height, data: t.rgba }, 16));
    }
  });
});
