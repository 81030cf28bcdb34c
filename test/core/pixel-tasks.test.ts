/**
 * core/pixel-tasks `imageHashes` reads blockhash's block values once for the hash, its rotations and
 * mirrors and its quality (and once per robust region for its hash and quality): the same answer as
 * each computed on its own from the pixels, on real photographs and odd sizes down to 16 pixels a side.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { blockhash, blockhashDihedralFromRgba, blockhashFromRgba } from '../../src/core/blockhash';
import { buildHashKernels } from '../../src/core/kernels';
import { pdqDihedralFromRgba, pdqFromRgba } from '../../src/core/pdq';
import { runPixelTask, type Pixels } from '../../src/core/pixel-tasks';
import { blockhashQuality, hashRegion, resampleArea } from '../../src/core/robust';
import { SharpImageDecoder } from '../../src/runtime/node/image';
import { conformancePath } from '../support/conformance';
import { noiseImage, patternImage } from '../support/images';

const kernels = buildHashKernels();
const decoder = new SharpImageDecoder({ maxPixels: 50_000_000 });

async function pixelsOf(bytes: Uint8Array): Promise<Pixels> {
  const img = await decoder.decode(bytes);
  return { rgba: img.rgba, width: img.width, height: img.height };
}

async function images(): Promise<Pixels[]> {
  const dir = conformancePath('blockhash');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.jpg'))
    .slice(0, 6);
  return Promise.all(
    [
      ...files.map((f) => readFileSync(`${dir}/${f}`)),
      await patternImage('jpeg', 1001, 17),
      await noiseImage('png', 333, 517, 3),
      await noiseImage('png', 16, 41, 4),
    ].map((b) => pixelsOf(new Uint8Array(b))),
  );
}

describe('imageHashes', () => {
  it('gives each hash as computed on its own: plain, dihedral, and the whole image’s blockhash quality', async () => {
    for (const p of await images()) {
      const copy = () => ({ ...p, rgba: p.rgba.slice() });
      const plainBlockhash = blockhash({ ...p, format: 'raw' }, kernels.blockhash);
      const pdq = pdqFromRgba(p.rgba, p.width, p.height, kernels.pdq);
      expect(runPixelTask('imageHashes', copy(), kernels, { dihedral: false })).toEqual({
        pdq: { hash: pdq.hash, quality: pdq.quality },
        blockhash: plainBlockhash,
      });
      const d = pdqDihedralFromRgba(p.rgba, p.width, p.height, kernels.pdq);
      const got = runPixelTask('imageHashes', copy(), kernels, { dihedral: true, robust: 'query' });
      expect({ pdq: got.pdq, blockhash: got.blockhash, variants: got.variants }).toEqual({
        pdq: { hash: d.hashes[0].hash, quality: d.quality },
        blockhash: plainBlockhash,
        variants: {
          pdq: d.hashes.map((h) => ({ variant: h.variant, hash: h.hash })),
          blockhash: blockhashDihedralFromRgba(p.rgba, p.width, p.height, kernels.blockhash),
        },
      });
      expect(got.robust?.blockhashQuality).toBe(blockhashQuality(p, kernels.blockhash));
    }
  });

  it('hashes a region’s blockhash and its quality as computed on their own', async () => {
    for (const p of await images()) {
      const [pdq, bh] = hashRegion(p, kernels, 'trim');
      // PDQ of the region resampled by area to 64 x 64 (scale-stable); blockhash of the region itself.
      const grid = resampleArea(p, 64, 64);
      const whole = pdqFromRgba(grid.rgba, 64, 64, kernels.pdq);
      expect(pdq).toEqual({ type: 'pdq', value: whole.hash, quality: whole.quality, variant: 'trim' });
      expect(bh).toEqual({
        type: 'blockhash',
        value: blockhashFromRgba(p.rgba, p.width, p.height, kernels.blockhash),
        quality: blockhashQuality(p, kernels.blockhash),
        variant: 'trim',
      });
    }
  });
});
