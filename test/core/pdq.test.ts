import { readFileSync, readdirSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { hammingHex } from '../../src/core/hashes';
import { uniform } from '../../src/core/prng';
import {
  dihedralPixels,
  lumaFromRgba,
  pdqDihedralFromRgba,
  pdqFromLuma,
  pdqFromRgba,
  PDQ_DIHEDRAL_VARIANTS,
  type PdqDihedralVariant,
  type PdqResult,
} from '../../src/core/pdq';
import { decimationIndices, downscaleTo64, jaroszWindowSize } from '../../src/core/pdq';
import { compilePdqKernels, downscaleTo64Wasm, type PdqKernels } from '../../src/core/pdq';
import { cropRgba, letterboxBorders } from '../../src/core/pdq';
import type { DecodedImage } from '../../src/core/media';
import { SharpImageDecoder } from '../../src/runtime/node/image';
import { conformancePath } from '../support/conformance';
import { readPdqExpectations, type PdqExpectation } from '../support/pdq-report';

type Row = PdqExpectation;

const rows = readPdqExpectations(conformancePath('pdq', 'expected', 'repo-expected-pdq.csv'));
const hmaRows = rows.filter((r) => r.pipeline === 'hma');
const decoder = new SharpImageDecoder({ maxPixels: 100_000_000 });
/** The WebAssembly kernels, as the node builds them (a build that fails throws here). */
const KERNELS = compilePdqKernels();

async function decodeFile(...parts: string[]): Promise<DecodedImage> {
  return decoder.decode(readFileSync(conformancePath('pdq', ...parts)));
}

/** CSV transform names (python-threatexchange's RotationType) -> ours. */
function variantOf(name: string): PdqDihedralVariant {
  const v = PDQ_DIHEDRAL_VARIANTS.find((x) => x.toUpperCase() === name);
  if (!v) throw new Error(`unknown pixel transform ${name}`);
  return v;
}

/**
 * The row named `threshold-0` is python-threatexchange's CLI test run without --black-threshold:
 * HashCommand's constructor defaults to 0, but the CLI parser's default (cli/hash_cmd.py,
 * `--black-threshold ... default=15`) is what that test ran with.
 */
function unletterboxThreshold(suffix: string): number {
  const n = Number(suffix.slice('unletterbox-threshold-'.length));
  return n === 0 ? 15 : n;
}

/**
 * As HMA: crop the black bands, save the crop in the source format (Pillow's JPEG defaults:
 * quality 75, 4:2:0, baseline, standard tables) and hash the re-decoded file.
 */
async function unletterboxedPdq(img: DecodedImage, threshold: number, k: PdqKernels | null): Promise<PdqResult> {
  const borders = letterboxBorders(img.rgba, img.width, img.height, threshold);
  if (!borders) throw new Error('image is all black');
  const crop = cropRgba(img.rgba, img.width, img.height, borders);
  expect(img.format).toBe('jpeg');
  const jpeg = await sharp(crop.rgba, { raw: { width: crop.width, height: crop.height, channels: 4 } })
    .removeAlpha()
    .jpeg({
      quality: 75,
      chromaSubsampling: '4:2:0',
      mozjpeg: false,
      trellisQuantisation: false,
      overshootDeringing: false,
      optimiseScans: false,
      optimiseCoding: false,
      quantisationTable: 0,
    })
    .toBuffer();
  const again = await decoder.decode(jpeg);
  return pdqFromRgba(again.rgba, again.width, again.height, k);
}

async function hashRow(row: Row, k: PdqKernels | null): Promise<PdqResult> {
  const [file, transform] = row.file.split('#');
  const img = await decodeFile(file);
  if (!transform) return pdqFromRgba(img.rgba, img.width, img.height, k);
  // `#pixels-X`: the image after the pixel transform X, hashed. (The DCT-domain variants of
  // pdqDihedralFromRgba are close to these but not bit-identical: the reference's cell sampling is
  // not symmetric, and LA.png is pixel noise, so there they differ by 64-92 bits.)
  if (transform.startsWith('pixels-')) {
    const t = dihedralPixels(img.rgba, img.width, img.height, variantOf(transform.slice('pixels-'.length)));
    return pdqFromRgba(t.rgba, t.width, t.height, k);
  }
  if (transform.startsWith('unletterbox-threshold-')) return unletterboxedPdq(img, unletterboxThreshold(transform), k);
  throw new Error(`unknown transform #${transform}`);
}

// Both implementations of the downsampling: the WebAssembly kernels and the TypeScript path.
describe.each([
  ['WebAssembly', true],
  ['TypeScript', false],
])('PDQ conformance (%s): every hma row of ../shared/conformance/pdq/expected/repo-expected-pdq.csv', (_path, wasm) => {
  const k = wasm ? KERNELS : null;

  it('the CSV has hma rows, each a 64-hex hash', () => {
    expect(hmaRows.length).toBeGreaterThan(20);
    for (const r of hmaRows) expect(r.expected_pdq).toMatch(/^[0-9a-f]{64}$/);
  });

  it('runs on the intended path: the kernels built, or none given', () => {
    if (wasm) expect(k?.memory).toBeInstanceOf(WebAssembly.Memory);
    else expect(k).toBeNull();
  });

  it.each(hmaRows.map((r) => [r.file, r] as const))('%s', async (_name, row) => {
    const got = await hashRow(row, k);
    expect(got.hash).toBe(row.expected_pdq);
    if (row.expected_quality !== '') expect(got.quality).toBe(Number(row.expected_quality));
  });
});

describe('PDQ dihedral variants', () => {
  const dihDir = ['pdq', 'data', 'reg-test-input', 'dih']; // relative to conformance/pdq
  // bridge-1-original.jpg ... bridge-8-flip-minus-1.jpg: the bridge photo in the 8 orientations.
  const dihFiles = readdirSync(conformancePath('pdq', ...dihDir))
    .filter((f) => f.endsWith('.jpg'))
    .sort();
  const variantOfFile = (f: string): PdqDihedralVariant =>
    variantOf(
      f
        .replace(/^bridge-\d-|\.jpg$/g, '')
        .replace(/-/g, '')
        .toUpperCase(),
    );

  it('has the 8 reference orientations, one per variant', () => {
    expect(dihFiles.map(variantOfFile).sort()).toEqual([...PDQ_DIHEDRAL_VARIANTS].sort());
  });

  it('each oriented copy matches its variant of the original (distance <= 31); without variants only the original matches', async () => {
    const orig = await decodeFile(...dihDir, 'bridge-1-original.jpg');
    const plain = pdqFromRgba(orig.rgba, orig.width, orig.height, KERNELS);
    const dih = pdqDihedralFromRgba(orig.rgba, orig.width, orig.height, KERNELS);
    expect(dih.hashes.map((h) => h.variant)).toEqual([...PDQ_DIHEDRAL_VARIANTS]);
    expect(dih.hashes[0].hash).toBe(plain.hash);
    expect(dih.quality).toBe(plain.quality);
    for (const f of dihFiles) {
      const img = await decodeFile(...dihDir, f);
      const h = pdqFromRgba(img.rgba, img.width, img.height, KERNELS).hash;
      const variant = variantOfFile(f);
      const distances = Object.fromEntries(dih.hashes.map((d) => [d.variant, hammingHex(d.hash, h)]));
      expect(distances[variant], `${f} vs the original's ${variant}`).toBeLessThanOrEqual(31);
      for (const [other, d] of Object.entries(distances)) if (other !== variant) expect(d, `${f} vs ${other}`).toBeGreaterThan(31);
      if (variant !== 'original') expect(hammingHex(plain.hash, h), `${f} vs the original, no variants`).toBeGreaterThan(31);
    }
  });

  it('the DCT-domain variants agree with hashing the transformed pixels (distance <= 31)', async () => {
    const orig = await decodeFile(...dihDir, 'bridge-1-original.jpg');
    const dih = pdqDihedralFromRgba(orig.rgba, orig.width, orig.height, KERNELS);
    for (const { variant, hash } of dih.hashes) {
      const t = dihedralPixels(orig.rgba, orig.width, orig.height, variant);
      expect(t.width * t.height).toBe(orig.width * orig.height);
      expect(hammingHex(pdqFromRgba(t.rgba, t.width, t.height, KERNELS).hash, hash), variant).toBeLessThanOrEqual(31);
    }
  });

  it('the pixel transforms match the reference oriented files (distance <= 31)', async () => {
    const orig = await decodeFile(...dihDir, 'bridge-1-original.jpg');
    for (const f of dihFiles) {
      const t = dihedralPixels(orig.rgba, orig.width, orig.height, variantOfFile(f));
      const img = await decodeFile(...dihDir, f);
      expect([t.width, t.height]).toEqual([img.width, img.height]);
      expect(
        hammingHex(pdqFromRgba(t.rgba, t.width, t.height, KERNELS).hash, pdqFromRgba(img.rgba, img.width, img.height, KERNELS).hash),
        f,
      ).toBeLessThanOrEqual(31);
    }
  });
});

/**
 * The reference's downsampling written the plain way (whole plane, one 1-D pass at a time, column
 * passes strided, `sum / n` as a division), as an oracle for the streamed, banded implementation.
 */
function plainDownscale(luma: Float32Array, rows: number, cols: number): Float32Array {
  const f = Math.fround;
  const box = (src: Float32Array, dst: Float32Array, start: number, n: number, stride: number, win: number): void => {
    const half = Math.floor((win + 2) / 2);
    let sum = 0;
    let size = 0;
    let [ri, li, oi] = [start, start, start];
    for (let i = 0; i < half - 1; i++, ri += stride) (sum = f(sum + src[ri])), size++;
    for (let i = 0; i < win - half + 1; i++, ri += stride, oi += stride) (sum = f(sum + src[ri])), size++, (dst[oi] = sum / size);
    for (let i = 0; i < n - win; i++, ri += stride, li += stride, oi += stride) (sum = f(f(sum + src[ri]) - src[li])), (dst[oi] = sum / size);
    for (let i = 0; i < half - 1; i++, li += stride, oi += stride) (sum = f(sum - src[li])), size--, (dst[oi] = sum / size);
  };
  const a = luma.slice();
  const b = new Float32Array(a.length);
  const [wx, wy] = [jaroszWindowSize(cols, 64), jaroszWindowSize(rows, 64)];
  for (let pass = 0; pass < 2; pass++) {
    for (let r = 0; r < rows; r++) box(a, b, r * cols, cols, 1, wx);
    for (let c = 0; c < cols; c++) box(b, a, c, rows, cols, wy);
  }
  const [ri, ci] = [decimationIndices(rows), decimationIndices(cols)];
  const out = new Float32Array(64 * 64);
  for (let i = 0; i < 64; i++) for (let j = 0; j < 64; j++) out[i * 64 + j] = a[ri[i] * cols + ci[j]];
  return out;
}

describe('PDQ downsampling', () => {
  it('the streamed implementation equals the plain one, bit for bit, on odd sizes and shapes', () => {
    const rand = uniform(0x9e3779b9);
    const sizes: [number, number][] = [
      [5, 5],
      [63, 65],
      [5, 700],
      [700, 5],
      [129, 257],
      [1000, 383],
    ];
    for (let i = 0; i < 20; i++) sizes.push([5 + Math.floor(rand() * 300), 5 + Math.floor(rand() * 300)]);
    for (const [cols, rows] of sizes) {
      const luma = new Float32Array(rows * cols).map(() => rand() * 255);
      const streamed = downscaleTo64(rows, cols, (y0, count, out) => out.set(luma.subarray(y0 * cols, (y0 + count) * cols)));
      expect(Buffer.from(streamed.buffer).equals(Buffer.from(plainDownscale(luma, rows, cols).buffer)), `${cols}x${rows}`).toBe(true);
    }
  });

  it('the WebAssembly kernels equal the plain one, bit for bit, from RGBA and from float luma', () => {
    const k = KERNELS;
    const rand = uniform(0x2545f491);
    // Odd widths exercise the padding to 4 columns, heights not a multiple of 8 the last band,
    // narrow planes windows of 1 and repeated sample columns.
    const sizes: [number, number][] = [
      [5, 5],
      [63, 65],
      [5, 700],
      [700, 5],
      [129, 257],
      [1000, 383],
      [1283, 37],
    ];
    for (let i = 0; i < 20; i++) sizes.push([5 + Math.floor(rand() * 300), 5 + Math.floor(rand() * 300)]);
    for (const [cols, rows] of sizes) {
      const rgba = new Uint8Array(rows * cols * 4).map(() => Math.floor(rand() * 256));
      const luma = lumaFromRgba(rgba, cols, rows);
      const plain = Buffer.from(plainDownscale(luma, rows, cols).buffer);
      expect(Buffer.from(downscaleTo64Wasm(k!, rows, cols, { rgba }).buffer).equals(plain), `${cols}x${rows} RGBA`).toBe(true);
      expect(Buffer.from(downscaleTo64Wasm(k!, rows, cols, { luma }).buffer).equals(plain), `${cols}x${rows} luma`).toBe(true);
    }
  });

  it('on the conformance images both paths give the same 64x64 plane, bit for bit', async () => {
    // The hashes tolerate a last-bit difference in a few cells; the planes do not.
    const files = [...new Set(hmaRows.map((r) => r.file.split('#')[0]))];
    for (const file of files) {
      const img = await decodeFile(file);
      if (img.width === 64 && img.height === 64) continue;
      const luma = lumaFromRgba(img.rgba, img.width, img.height);
      const ts = downscaleTo64(img.height, img.width, (y0, count, out) => out.set(luma.subarray(y0 * img.width, (y0 + count) * img.width)));
      const wasm = downscaleTo64Wasm(KERNELS, img.height, img.width, { rgba: img.rgba });
      expect(Buffer.from(wasm.buffer).equals(Buffer.from(ts.buffer)), file).toBe(true);
    }
  });

  it('pdqFromRgba and pdqFromLuma agree on both paths', () => {
    const [w, h] = [301, 173];
    const rgba = new Uint8Array(w * h * 4).map((_, i) => (i * 2654435761) >>> 24);
    const luma = lumaFromRgba(rgba, w, h);
    const fast = [pdqFromRgba(rgba, w, h, KERNELS), pdqFromLuma(luma, w, h, KERNELS)];
    expect([pdqFromRgba(rgba, w, h, null), pdqFromLuma(luma, w, h, null)]).toEqual(fast);
    expect(fast[1]).toEqual(fast[0]);
  });
});

describe('PDQ edge cases', () => {
  it('a side under 5 pixels hashes to zeros with quality 0, as the reference', () => {
    const r = pdqFromRgba(new Uint8Array(4 * 4 * 100).fill(200), 4, 100, KERNELS);
    expect(r).toEqual({ hash: '0'.repeat(64), quality: 0 });
  });

  it('a flat image has quality 0', () => {
    expect(pdqFromRgba(new Uint8Array(100 * 80 * 4).fill(128), 100, 80, KERNELS).quality).toBe(0);
  });

  it('alpha is ignored', async () => {
    const img = await decodeFile('pdq', 'data', 'misc-images', 'c.png');
    const opaque = img.rgba.slice();
    for (let q = 3; q < opaque.length; q += 4) opaque[q] = 255;
    expect(pdqFromRgba(opaque, img.width, img.height, KERNELS)).toEqual(pdqFromRgba(img.rgba, img.width, img.height, KERNELS));
  });

  it('a 64x64 input skips the filter in both entry points, so the dihedral original equals the plain hash', () => {
    const rgba = new Uint8Array(64 * 64 * 4);
    for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 7919) % 251;
    expect(pdqDihedralFromRgba(rgba, 64, 64, KERNELS).hashes[0].hash).toBe(pdqFromRgba(rgba, 64, 64, KERNELS).hash);
  });
});
