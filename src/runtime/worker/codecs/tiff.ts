/**
 * Baseline TIFF, first image: 8-bit greyscale or RGB, with or without an unassociated alpha, in
 * strips or tiles, uncompressed, LZW, Deflate or PackBits (with or without the horizontal
 * predictor). UTIF (photopea's, plain JavaScript) decodes these exactly as libvips does; the
 * layouts where they could differ (16-bit, CMYK, palette, YCbCr, JPEG-in-TIFF, premultiplied
 * alpha) are refused before decoding by `tiffLayoutProblem`, in words that say what the edge takes.
 */
import UTIF from 'utif2';
import type { ImageHeader } from '../../../core/media';
import { CodecError } from './emscripten';
import type { Pixels } from './pixels';

const COMPRESSIONS = new Set([1, 5, 8, 32946, 32773]);

/** Why the edge does not decode this TIFF, or null when it does. */
export function tiffLayoutProblem(t: NonNullable<ImageHeader['tiff']>): string | null {
  const colour = t.photometric === 1 ? 1 : t.photometric === 2 ? 3 : 0;
  if (!colour) return `photometric interpretation ${t.photometric}`;
  if (t.planar !== 1) return 'planar (separate) sample layout';
  if (!COMPRESSIONS.has(t.compression)) return `compression ${t.compression}`;
  if (t.sampleFormat !== 1 || t.bitsPerSample.some((b) => b !== 8)) return `${t.bitsPerSample.join('/')}-bit samples`;
  const extra = t.samplesPerPixel - colour;
  if (extra < 0 || extra > 1 || (extra === 1 && t.extraSamples[0] !== 2))
    return extra === 1 ? 'premultiplied or unspecified extra sample' : `${t.samplesPerPixel} samples per pixel`;
  return null;
}

export function decodeTiff(bytes: Uint8Array): Pixels {
  // UTIF prints tile counts with console.log; the worker's log is not its debug output.
  const log = console.log;
  console.log = () => {};
  try {
    const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const [ifd] = UTIF.decode(buf);
    UTIF.decodeImage(buf, ifd);
    const rgba = UTIF.toRGBA8(ifd);
    if (rgba.length !== ifd.width * ifd.height * 4) throw new Error('short pixel data');
    return { width: ifd.width, height: ifd.height, rgba };
  } catch (e) {
    throw new CodecError((e as Error).message, { cause: e });
  } finally {
    console.log = log;
  }
}
