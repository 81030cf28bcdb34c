/**
 * core/robust `downscaleBox` (the robust regions' working copy) against the implementation it
 * replaced, kept here as the reference: the same bytes on random images of odd and even sizes, on
 * boxes at and past the packed sums' limit, on pixels not aligned on 4 bytes, and on the
 * conformance images.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/core/prng';
import { downscaleBox, type Rgba } from '../../src/core/robust';
import { SharpImageDecoder } from '../../src/runtime/node/image';
import { conformancePath } from '../support/conformance';

/** downscaleBox as it was before the packed sums (commit 6183136), unchanged. */
function referenceDownscale(img: Rgba, maxSide: number): Rgba {
  const { width: w, height: h, rgba } = img;
  const f = Math.max(w, h) / maxSide;
  if (f <= 1) return img;
  const ow = Math.max(1, Math.round(w / f));
  const oh = Math.max(1, Math.round(h / f));
  const out = new Uint8Array(ow * oh * 4);
  const xs = Uint32Array.from({ length: ow + 1 }, (_, i) => Math.round((i * w) / ow));
  const ys = Uint32Array.from({ length: oh + 1 }, (_, i) => Math.round((i * h) / oh));
  const acc = new Float64Array(ow * 4);
  for (let oy = 0; oy < oh; oy++) {
    acc.fill(0);
    for (let y = ys[oy]; y < ys[oy + 1]; y++) {
      const row = y * w * 4;
      for (let ox = 0; ox < ow; ox++) {
        let r = 0,
          g = 0,
          b = 0,
          a = 0;
        for (let x = xs[ox], q = row + x * 4; x < xs[ox + 1]; x++, q += 4) {
          r += rgba[q];
          g += rgba[q + 1];
          b += rgba[q + 2];
          a += rgba[q + 3];
        }
        acc[ox * 4] += r;
        acc[ox * 4 + 1] += g;
        acc[ox * 4 + 2] += b;
        acc[ox * 4 + 3] += a;
      }
    }
    const rows = ys[oy + 1] - ys[oy];
    for (let ox = 0; ox < ow; ox++) {
      const n = rows * (xs[ox + 1] - xs[ox]);
      for (let c = 0; c < 4; c++) out[(oy * ow + ox) * 4 + c] = Math.round(acc[ox * 4 + c] / n);
    }
  }
  return { rgba: out, width: ow, height: oh };
}

function randomImage(width: number, height: number, next: () => number): Rgba {
  const words = new Uint32Array(width * height);
  for (let i = 0; i < words.length; i++) words[i] = next();
  return { rgba: new Uint8Array(words.buffer), width, height };
}

const filled = (width: number, height: number, value: number): Rgba => ({ rgba: new Uint8Array(width * height * 4).fill(value), width, height });

/** The same pixels starting 1 byte into their buffer (a Buffer from a pool can start anywhere). */
function unaligned(img: Rgba): Rgba {
  const buffer = new Uint8Array(img.rgba.length + 1);
  buffer.set(img.rgba, 1);
  return { ...img, rgba: buffer.subarray(1) };
}

function expectSame(img: Rgba, maxSide: number): void {
  const want = referenceDownscale(img, maxSide);
  const got = downscaleBox(img, maxSide);
  expect({ width: got.width, height: got.height }).toEqual({ width: want.width, height: want.height });
  // Compared as one buffer (toEqual on a large typed array is slow); the first difference named.
  const differs = got.rgba.findIndex((v, i) => v !== want.rgba[i]);
  expect(differs, `${img.width}x${img.height} to ${maxSide}: first differing byte`).toBe(-1);
  expect(got.rgba.length).toBe(want.rgba.length);
}

describe('downscaleBox gives the bytes of the implementation it replaced', () => {
  it('on 300 random images of random sizes (1-1500 a side) and working sides', () => {
    const next = mulberry32(2026);
    const sides = [512, 512, 511, 256, 97, 33, 16, 7, 2, 1];
    for (let i = 0; i < 300; i++) {
      const width = 1 + (next() % 1500);
      const height = 1 + (next() % (i % 3 === 0 ? 60 : 1500));
      expectSame(randomImage(width, height, next), sides[i % sides.length]);
    }
  });

  it('on white and black images whose boxes sit at the packed limit (257 pixels) and past it', () => {
    for (const v of [255, 0]) {
      expectSame(filled(257 * 16, 16, v), 16); // boxes 257 x 1: packed, every lane at 65535 for white
      expectSame(filled(258 * 16, 16, v), 16); // 258 x 1: past the limit
      expectSame(filled(16 * 16, 16 * 16, v), 16); // 16 x 16 = 256
      expectSame(filled(17 * 16, 17 * 16, v), 16); // 17 x 17 = 289
    }
  });

  it('on random images with large boxes (a long side of 4000-9000 pixels) and on pixels not aligned on 4 bytes', () => {
    const next = mulberry32(7);
    for (const [w, h] of [
      [9000, 60],
      [4001, 397],
      [5000, 3],
    ])
      expectSame(randomImage(w, h, next), 512);
    for (const [w, h] of [
      [1921, 1079],
      [333, 777],
      [1000, 1],
    ])
      expectSame(unaligned(randomImage(w, h, next)), 512);
  });

  it('returns an image already small enough as it is', () => {
    const img = filled(512, 300, 9);
    expect(downscaleBox(img, 512)).toBe(img);
  });

  it('on the conformance images (blockhash and PDQ), to 512 and to 64 pixels', async () => {
    const decoder = new SharpImageDecoder({ maxPixels: 100_000_000 });
    const images = (folder: string) =>
      readdirSync(folder)
        .filter((f) => /\.(jpe?g|png)$/i.test(f))
        .map((f) => join(folder, f));
    const files = [
      ...images(conformancePath('blockhash')),
      ...images(conformancePath('pdq/pdq/data/bridge-mods')),
      ...images(conformancePath('pdq/pdq/data/reg-test-input/dih')),
    ];
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const decoded = await decoder.decode(readFileSync(file));
      // As sharp hands them over, and in a buffer of their own (aligned on 4 bytes).
      for (const img of [decoded, { ...decoded, rgba: new Uint8Array(decoded.rgba) }]) {
        expectSame(img, 512);
        expectSame(img, 64);
      }
    }
  });
});
