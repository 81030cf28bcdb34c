/**
 * The images the edge decoder is held to: every JPEG and PNG of the conformance folders (pdq and
 * blockhash), and WebP, GIF, AVIF and TIFF files made from some of them by sharp in memory, in the
 * layouts the edge takes (and a few it refuses).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { conformancePath, CONFORMANCE_DIR } from './conformance';

export interface EdgeImage {
  name: string;
  bytes: Uint8Array;
}

/** Every .jpg/.jpeg/.png under conformance/pdq and conformance/blockhash, by path. */
export function conformanceImages(): EdgeImage[] {
  const out: EdgeImage[] = [];
  const walk = (dir: string): void => {
    for (const f of readdirSync(dir).sort()) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(jpe?g|png)$/i.test(f)) out.push({ name: relative(CONFORMANCE_DIR, p), bytes: new Uint8Array(readFileSync(p)) });
    }
  };
  walk(conformancePath('pdq'));
  walk(conformancePath('blockhash'));
  return out;
}

const SOURCES = [
  'pdq/pdq/data/bridge-mods/aaa-orig.jpg',
  'pdq/pdq/data/reg-test-input/pen-and-coaster.png',
  'pdq/pdq/data/misc-images/c.png',
  'blockhash/emptyBasket.png',
];

/** WebP (lossy, lossless, with alpha), GIF, AVIF and TIFF versions of a few conformance images. */
export async function convertedImages(): Promise<EdgeImage[]> {
  const out: EdgeImage[] = [];
  for (const s of SOURCES) {
    const src = readFileSync(conformancePath(s));
    const base = s
      .split('/')
      .pop()!
      .replace(/\.\w+$/, '');
    const add = async (suffix: string, img: Sharp) => out.push({ name: `${base}${suffix}`, bytes: new Uint8Array(await img.toBuffer()) });
    await add('-q80.webp', sharp(src).webp({ quality: 80 }));
    await add('-lossless.webp', sharp(src).webp({ lossless: true }));
    await add('.gif', sharp(src).gif());
    await add('-dither.gif', sharp(src).gif({ colours: 16, dither: 1 }));
    await add('.avif', sharp(src).avif({ quality: 50 }));
    await add('-lzw.tiff', sharp(src).tiff({ compression: 'lzw' }));
    await add('-deflate-predictor.tiff', sharp(src).tiff({ compression: 'deflate', predictor: 'horizontal' }));
    await add('-grey-packbits.tiff', sharp(src).greyscale().tiff({ compression: 'packbits' }));
    await add('-tiled.tiff', sharp(src).tiff({ compression: 'lzw', tile: true, tileWidth: 64, tileHeight: 64 }));
  }
  return out;
}
