/**
 * The node's blockhash (src/core/blockhash/) against blockhash-core, the reference: the same hash on
 * the conformance images and on a thousand generated images of sizes 16-4000 a side, through the
 * WebAssembly kernel and the TypeScript path; and the same block values, to the last bit, as a
 * transcription of the reference's floating-point accumulation.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { bmvbhash, bmvbhashEven } from 'blockhash-core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { blockhash } from '../../src/core/blockhash';
import {
  blockhashDihedralFromRgba,
  blockhashFromRgba,
  blockhashSupports,
  blockhashValues,
  compileBlockhashKernels,
  type BlockhashKernels,
} from '../../src/core/blockhash';
import type { DecodedImage } from '../../src/core/media';
import { dihedralPixels, PDQ_DIHEDRAL_VARIANTS } from '../../src/core/pdq';
import { mulberry32 } from '../../src/core/prng';
import { SharpImageDecoder } from '../../src/runtime/node/image';
import { conformancePath } from '../support/conformance';

const dir = conformancePath('blockhash');
const files = readdirSync(dir).filter((f) => /\.(jpg|png)$/.test(f));
const decoder = new SharpImageDecoder({ maxPixels: 100_000_000 });

interface Img {
  width: number;
  height: number;
  rgba: Uint8Array;
}

const reference = (img: Img, method: 1 | 2 = 2, bits = 16): string => {
  const data = { width: img.width, height: img.height, data: img.rgba };
  return method === 2 ? bmvbhash(data, bits) : bmvbhashEven(data, bits);
};

/** The WebAssembly kernel, as the node builds it (a build that fails throws here). */
const KERNEL = compileBlockhashKernels();

/** Both paths: the WebAssembly kernel and the TypeScript loop. */
function bothPaths<T>(fn: (k: BlockhashKernels | null) => T): { wasm: T; ts: T } {
  return { wasm: fn(KERNEL), ts: fn(null) };
}

/**
 * blockhash-core's method-2 block values before the median step, transcribed: each pixel adds
 * value * weightTop * weightLeft (and the three other corners) to the blocks it meets, in scan
 * order, in binary64. Both sides multiples of bits: the plain sums of bmvbhashEven.
 */
function referenceValues(img: Img, bits = 16): Float64Array {
  const { width, height, rgba } = img;
  const out = new Float64Array(bits * bits);
  const value = (i: number): number => (rgba[i + 3] === 0 ? 765 : rgba[i] + rgba[i + 1] + rgba[i + 2]);
  if (width % bits === 0 && height % bits === 0) {
    const bw = width / bits;
    const bh = height / bits;
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[Math.floor(y / bh) * bits + Math.floor(x / bw)] += value((y * width + x) * 4);
    return out;
  }
  // Per side: the two blocks a pixel meets and its weights in them, as the reference derives them.
  const side = (n: number) => {
    const size = n / bits;
    const even = n % bits === 0;
    const first = new Int32Array(n);
    const second = new Int32Array(n);
    const w1 = new Float64Array(n);
    const w2 = new Float64Array(n);
    for (let p = 0; p < n; p++) {
      if (even) {
        first[p] = second[p] = Math.floor(p / size);
        w1[p] = 1;
        continue;
      }
      const mod = (p + 1) % size;
      const frac = mod - Math.floor(mod);
      w1[p] = 1 - frac;
      w2[p] = frac;
      first[p] = Math.floor(p / size);
      second[p] = mod - frac > 0 || p + 1 === n ? first[p] : Math.ceil(p / size);
    }
    return { first, second, w1, w2 };
  };
  const r = side(height);
  const c = side(width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = value((y * width + x) * 4);
      const top = r.first[y] * bits;
      const bottom = r.second[y] * bits;
      out[top + c.first[x]] += v * r.w1[y] * c.w1[x];
      out[top + c.second[x]] += v * r.w1[y] * c.w2[x];
      out[bottom + c.first[x]] += v * r.w2[y] * c.w1[x];
      out[bottom + c.second[x]] += v * r.w2[y] * c.w2[x];
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Generated images: pixel data written directly (no codec), from the project's seeded PRNG.

const KINDS = [
  'noise',
  'noise with transparency',
  'gradient',
  'flat',
  'rectangles',
  'stripes',
  'nearly white',
  'nearly black',
  'transparent',
  'faint noise',
] as const;
type Kind = (typeof KINDS)[number];

function generate(width: number, height: number, kind: Kind, seed: number): Img {
  const next = mulberry32(seed);
  const px = new Uint32Array(width * height); // little-endian words: R is the low byte
  const grey = (v: number): number => (0xff000000 | (v << 16) | (v << 8) | v) >>> 0;
  const level = next() & 255;
  switch (kind) {
    case 'noise':
      for (let i = 0; i < px.length; i++) px[i] = (next() | 0xff000000) >>> 0;
      break;
    case 'noise with transparency':
      for (let i = 0; i < px.length; i++) {
        const p = next();
        px[i] = (p & 3) === 0 ? p & 0x00ffffff : p >>> 0; // a quarter fully transparent, the rest any alpha
      }
      break;
    case 'gradient': {
      const [ax, ay] = [(next() % 512) - 256, (next() % 512) - 256];
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++) {
          const t = Math.floor(((x * ax) / width + (y * ay) / height) % 256);
          px[y * width + x] = grey(t < 0 ? t + 256 : t);
        }
      break;
    }
    case 'flat':
      px.fill(grey(level));
      break;
    case 'rectangles': {
      px.fill(grey(level));
      for (let k = 0; k < 6; k++) {
        const [x0, y0, w, h, v] = [next() % width, next() % height, 1 + (next() % width), 1 + (next() % height), next() & 255];
        for (let y = y0; y < Math.min(height, y0 + h); y++) px.fill(grey(v), y * width + x0, y * width + Math.min(width, x0 + w));
      }
      break;
    }
    case 'stripes': {
      const period = 1 + (next() % 40);
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) px[y * width + x] = grey(Math.floor((x + 2 * y) / period) % 2 === 0 ? 40 : 200);
      break;
    }
    case 'nearly white':
    case 'nearly black': {
      const base = kind === 'nearly white' ? 255 : 0;
      px.fill(grey(base));
      for (let k = 0; k < 20; k++) px[next() % px.length] = grey(255 - base);
      break;
    }
    case 'transparent':
      for (let i = 0; i < px.length; i++) px[i] = next() & 0x00ffffff;
      break;
    case 'faint noise':
      // Block values within a few units of each other: the fractional weights decide the bits.
      for (let i = 0; i < px.length; i++) px[i] = grey(Math.min(255, level + (next() & 1)));
      break;
  }
  return { width, height, rgba: new Uint8Array(px.buffer) };
}

/** Sizes: edge cases first, then random sides (log-uniform 16-4000) with the area capped. */
function sizes(count: number): [number, number][] {
  const fixed: [number, number][] = [
    [16, 16],
    [17, 17],
    [16, 17],
    [17, 16],
    [31, 33],
    [16, 4000],
    [4000, 16],
    [17, 3999],
    [3999, 17],
    [23, 2999],
    [2999, 23],
    [1920, 1080],
    [1080, 1920],
    [4000, 3000],
    [3000, 4000],
    [1921, 1081],
    [4000, 4000],
    [3999, 2999],
    [2048, 1536],
    [4000, 17],
    [33, 4000],
    [255, 257],
    [1000, 1000],
    [1023, 767],
    [640, 480],
    [800, 600],
    [250, 250],
    [24, 40],
    [40, 24],
    [100, 16],
    [16, 100],
  ];
  const next = mulberry32(0x5eed);
  const side = (): number => Math.round(16 * 250 ** (next() / 2 ** 32));
  const out = [...fixed];
  while (out.length < count) {
    let [w, h] = [side(), side()];
    while (w * h > 400_000) [w, h] = w > h ? [Math.max(16, w >> 1), h] : [w, Math.max(16, h >> 1)];
    out.push([w, h]);
  }
  return out;
}

const GENERATED = sizes(1000);

describe('the conformance images (../shared/conformance/blockhash)', () => {
  it.each(files)('%s: both methods equal blockhash-core and the reference file, on both paths', async (file) => {
    const img = await decoder.decode(readFileSync(`${dir}/${file}`));
    for (const method of [1, 2] as const) {
      const want = readFileSync(`${dir}/${file.replace(/\.\w+$/, '')}_16_${method}.txt`, 'utf8')
        .trim()
        .split(/\s+/)[0];
      expect(reference(img, method)).toBe(want);
      expect(bothPaths((k) => blockhashFromRgba(img.rgba, img.width, img.height, k, method))).toEqual({ wasm: want, ts: want });
    }
    expect(Array.from(blockhashValues(img.rgba, img.width, img.height, KERNEL))).toEqual(Array.from(referenceValues(img)));
  });

  it('resized to odd sizes (photographs where fractional weights matter), equal blockhash-core', async () => {
    const next = mulberry32(42);
    let checked = 0;
    for (const file of files) {
      const img = await decoder.decode(readFileSync(`${dir}/${file}`));
      for (let k = 0; k < 3; k++) {
        const [width, height] = [16 + (next() % 1500), 16 + (next() % 1500)];
        const rgba = new Uint8Array(
          await sharp(img.rgba, { raw: { width: img.width, height: img.height, channels: 4 } })
            .resize(width, height, { fit: 'fill' })
            .raw()
            .toBuffer(),
        );
        const resized = { width, height, rgba };
        const want = reference(resized);
        expect(bothPaths((k) => blockhashFromRgba(rgba, width, height, k))).toEqual({ wasm: want, ts: want });
        checked++;
      }
    }
    expect(checked).toBe(files.length * 3);
  });
});

describe('a thousand generated images, 16-4000 pixels a side', () => {
  it(`${GENERATED.length} sizes, ${KINDS.length} kinds of content: the hash equals blockhash-core on both paths`, () => {
    let count = 0;
    let fractional = 0;
    GENERATED.forEach(([width, height], i) => {
      const img = generate(width, height, KINDS[i % KINDS.length], i + 1);
      const want = reference(img);
      const got = bothPaths((k) => blockhashFromRgba(img.rgba, width, height, k));
      if (got.wasm !== want || got.ts !== want)
        throw new Error(`${width}x${height} ${KINDS[i % KINDS.length]} (#${i}): blockhash-core ${want}, wasm ${got.wasm}, ts ${got.ts}`);
      count++;
      if (width % 16 !== 0 || height % 16 !== 0) fractional++;
    });
    expect(count).toBe(1000);
    expect(fractional).toBeGreaterThan(900);
  });

  it("the block values are the reference's binary64 values, bit for bit (every third image)", () => {
    GENERATED.forEach(([width, height], i) => {
      if (i % 3 !== 0 || width * height > 2_000_000) return;
      const img = generate(width, height, KINDS[i % KINDS.length], i + 1);
      const want = referenceValues(img);
      const got = bothPaths((k) => blockhashValues(img.rgba, width, height, k));
      for (let b = 0; b < 256; b++) {
        if (!Object.is(got.wasm[b], want[b]) || !Object.is(got.ts[b], want[b]))
          throw new Error(`${width}x${height} block ${b}: reference ${want[b]}, wasm ${got.wasm[b]}, ts ${got.ts[b]}`);
      }
    });
  });

  it('method 1 (bmvbhashEven) and other powers of two a side equal blockhash-core', () => {
    GENERATED.slice(0, 200).forEach(([width, height], i) => {
      const img = generate(width, height, KINDS[i % KINDS.length], 7000 + i);
      for (const bits of [8, 16, 32]) {
        if (!blockhashSupports(width, height, bits)) continue;
        for (const method of [1, 2] as const) {
          const want = reference(img, method, bits);
          expect(bothPaths((k) => blockhashFromRgba(img.rgba, width, height, k, method, bits))).toEqual({ wasm: want, ts: want });
        }
      }
    });
  });
});

describe('input shapes', () => {
  it('pixels at an offset that is not a multiple of 4 in their buffer', () => {
    const img = generate(203, 117, 'noise with transparency', 9);
    const shifted = new Uint8Array(img.rgba.length + 3);
    shifted.set(img.rgba, 3);
    const rgba = shifted.subarray(3);
    const want = reference(img);
    expect(bothPaths((k) => blockhashFromRgba(rgba, 203, 117, k))).toEqual({ wasm: want, ts: want });
  });

  it('rows wider than the lanes of the running sums hold (runs of more than 512 pixels)', () => {
    for (const [width, height, kind] of [
      [9000, 16, 'noise'],
      [10_001, 17, 'nearly white'],
      [8300, 19, 'noise with transparency'],
    ] as const) {
      const img = generate(width, height, kind, width);
      const want = reference(img);
      expect(bothPaths((k) => blockhashFromRgba(img.rgba, width, height, k))).toEqual({ wasm: want, ts: want });
      expect(Array.from(blockhashValues(img.rgba, width, height, KERNEL))).toEqual(Array.from(referenceValues(img)));
    }
  });

  it("what it does not compute, it says so; the node's blockhash() then asks blockhash-core", () => {
    expect(blockhashSupports(15, 100, 16)).toBe(false);
    expect(blockhashSupports(100, 100, 12)).toBe(false);
    expect(blockhashSupports(100, 100, 16)).toBe(true);
    expect(() => blockhashFromRgba(new Uint8Array(100 * 100 * 4), 100, 100, KERNEL, 2, 12)).toThrow(RangeError);
    const img: DecodedImage = { ...generate(100, 90, 'gradient', 3), format: 'png' };
    expect(blockhash(img, KERNEL, 2, 12)).toBe(reference(img, 2, 12));
    expect(blockhash(img, KERNEL)).toBe(reference(img));
    expect(blockhash(img, KERNEL, 1)).toBe(reference(img, 1));
  });
});

describe('rotations and mirrors from one pass', () => {
  const check = (img: Img, label: string): void => {
    const got = bothPaths((k) => blockhashDihedralFromRgba(img.rgba, img.width, img.height, k));
    const want = PDQ_DIHEDRAL_VARIANTS.map((variant) => ({ variant, hash: reference(dihedralPixels(img.rgba, img.width, img.height, variant)) }));
    expect(got.wasm, label).toEqual(want);
    expect(got.ts, label).toEqual(want);
  };

  it('equal blockhash-core on the transformed pixels: conformance images', async () => {
    for (const file of files) check(await decoder.decode(readFileSync(`${dir}/${file}`)), file);
  });

  it('equal blockhash-core on the transformed pixels: generated images of odd sizes', () => {
    GENERATED.slice(0, 60).forEach(([width, height], i) => {
      if (width * height <= 1_000_000) check(generate(width, height, KINDS[i % KINDS.length], 500 + i), `${width}x${height} ${KINDS[i % KINDS.length]}`);
    });
  });
});
