/**
 * What an image's header says before a pixel is decoded: its format, its size, and the few facts
 * that decide whether a decoder can take it (JPEG components and precision, PNG bit depth and colour
 * type, an animated WebP, a TIFF's layout). Read from the bytes alone, so a limit on pixels can be
 * checked before any decoder allocates (the Workers decoder; sharp reads its own headers on Node).
 *
 * Returns null when the bytes announce no image format this module knows, and `{ format, broken }`
 * when they announce one but its header cannot be read (truncated, or garbage after the magic).
 */
import { AVIF_BRANDS, HEIC_BRANDS } from './image';

export type HeaderFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'avif' | 'heif' | 'tiff';

export interface ImageHeader {
  format: HeaderFormat;
  width: number;
  height: number;
  /**
   * JPEG: components (1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK), sample precision in bits, progressive (or
   * not), and the bytes of its DCT coefficients (what libjpeg holds for a whole progressive image).
   */
  jpeg?: { components: number; precision: number; progressive: boolean; coefficientBytes: number };
  /** PNG: IHDR bit depth and colour type (0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA), tRNS before IDAT. */
  png?: { bitDepth: number; colorType: number; transparency: boolean };
  /** WebP: an animation (VP8X with the animation flag), lossless (VP8L; an extended file counts as lossless). */
  webp?: { animated: boolean; lossless: boolean };
  /** TIFF: the first image's layout tags (TIFF 6.0 numbers; absent tags take their defaults). */
  tiff?: {
    bitsPerSample: number[];
    samplesPerPixel: number;
    compression: number;
    photometric: number;
    planar: number;
    extraSamples: number[];
    sampleFormat: number;
  };
}

export type HeaderResult = ImageHeader | { format: HeaderFormat; broken: string } | null;

const ascii = (b: Uint8Array, at: number, n: number): string => String.fromCharCode(...b.subarray(at, at + n));
const be16 = (b: Uint8Array, at: number): number => (b[at] << 8) | b[at + 1];
const be32 = (b: Uint8Array, at: number): number => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
const le16 = (b: Uint8Array, at: number): number => b[at] | (b[at + 1] << 8);
const le24 = (b: Uint8Array, at: number): number => b[at] | (b[at + 1] << 8) | (b[at + 2] << 16);

export function readImageHeader(b: Uint8Array): HeaderResult {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return jpeg(b);
  if (b.length >= 8 && ascii(b, 0, 8) === '\x89PNG\r\n\x1a\n') return png(b);
  if (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a')
    return b.length >= 10 ? { format: 'gif', width: le16(b, 6), height: le16(b, 8) } : { format: 'gif', broken: 'no logical screen descriptor' };
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return webp(b);
  if (ascii(b, 0, 4) === 'II*\0' || ascii(b, 0, 4) === 'MM\0*') return tiff(b);
  if (ascii(b, 4, 4) === 'ftyp') {
    const brand = ascii(b, 8, 4);
    if (AVIF_BRANDS.has(brand)) return heif(b, 'avif');
    if (HEIC_BRANDS.has(brand)) return heif(b, 'heif');
  }
  return null;
}

function jpeg(b: Uint8Array): HeaderResult {
  // Markers up to the first SOFn (baseline, extended, progressive, lossless; not DHT C4, JPG C8, DAC CC).
  let at = 2;
  while (at + 4 <= b.length) {
    if (b[at] !== 0xff) return { format: 'jpeg', broken: `no marker at byte ${at}` };
    const marker = b[at + 1];
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return { format: 'jpeg', broken: 'no frame header before the scan' };
    const len = be16(b, at + 2);
    if (len < 2) return { format: 'jpeg', broken: `segment length ${len}` };
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const components = b[at + 9];
      if (at + 10 + 3 * components > b.length) break;
      const width = be16(b, at + 7);
      const height = be16(b, at + 5);
      // Each component's blocks of 64 coefficients (2 bytes each), at its sampling factors.
      const factors = Array.from({ length: components }, (_, k) => [b[at + 11 + 3 * k] >> 4, b[at + 11 + 3 * k] & 15]);
      const hMax = Math.max(...factors.map((f) => f[0]), 1);
      const vMax = Math.max(...factors.map((f) => f[1]), 1);
      const coefficientBytes = factors.reduce((sum, [h, v]) => sum + Math.ceil((width * h) / hMax / 8) * Math.ceil((height * v) / vMax / 8) * 128, 0);
      const progressive = marker === 0xc2 || marker === 0xc6 || marker === 0xca || marker === 0xce;
      return { format: 'jpeg', width, height, jpeg: { precision: b[at + 4], components, progressive, coefficientBytes } };
    }
    at += 2 + len;
  }
  return { format: 'jpeg', broken: 'truncated before the frame header' };
}

function png(b: Uint8Array): HeaderResult {
  if (b.length < 33 || ascii(b, 12, 4) !== 'IHDR') return { format: 'png', broken: 'no IHDR chunk' };
  const header = { format: 'png' as const, width: be32(b, 16), height: be32(b, 20), png: { bitDepth: b[24], colorType: b[25], transparency: false } };
  // tRNS comes before the first IDAT; past IDAT nothing changes the pixel layout.
  for (let at = 33; at + 8 <= b.length; ) {
    const type = ascii(b, at + 4, 4);
    if (type === 'IDAT' || type === 'IEND') break;
    if (type === 'tRNS') header.png.transparency = true;
    at += 12 + be32(b, at);
  }
  return header;
}

function webp(b: Uint8Array): HeaderResult {
  const chunk = ascii(b, 12, 4);
  if (chunk === 'VP8 ' && b.length >= 30) {
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return { format: 'webp', broken: 'no VP8 start code' };
    return { format: 'webp', width: le16(b, 26) & 0x3fff, height: le16(b, 28) & 0x3fff, webp: { animated: false, lossless: false } };
  }
  if (chunk === 'VP8L' && b.length >= 25) {
    if (b[20] !== 0x2f) return { format: 'webp', broken: 'no VP8L signature' };
    const bits = (b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24)) >>> 0;
    return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, webp: { animated: false, lossless: true } };
  }
  if (chunk === 'VP8X' && b.length >= 30)
    return { format: 'webp', width: le24(b, 24) + 1, height: le24(b, 27) + 1, webp: { animated: (b[20] & 0x02) !== 0, lossless: true } };
  return { format: 'webp', broken: `no image chunk (found ${JSON.stringify(chunk)})` };
}

/** AVIF and HEIF: the largest `ispe` (image spatial extents) property of meta/iprp/ipco. */
function heif(b: Uint8Array, format: 'avif' | 'heif'): HeaderResult {
  let width = 0;
  let height = 0;
  const walk = (start: number, end: number, depth: number): void => {
    for (let at = start; at + 8 <= end; ) {
      let size = be32(b, at);
      const type = ascii(b, at + 4, 4);
      let body = at + 8;
      if (size === 1) {
        if (at + 16 > end) return;
        size = be32(b, at + 8) * 2 ** 32 + be32(b, at + 12);
        body = at + 16;
      } else if (size === 0) size = end - at;
      if (size < body - at || at + size > end) return;
      if (type === 'meta' && depth === 0)
        walk(body + 4, at + size, 1); // a full box: version and flags first
      else if (type === 'iprp' && depth === 1) walk(body, at + size, 2);
      else if (type === 'ipco' && depth === 2) walk(body, at + size, 3);
      else if (type === 'ispe' && depth === 3 && body + 12 <= at + size) {
        const w = be32(b, body + 4);
        const h = be32(b, body + 8);
        if (w * h > width * height) [width, height] = [w, h];
      }
      at += size;
    }
  };
  walk(0, b.length, 0);
  return width && height ? { format, width, height } : { format, broken: 'no image size (ispe) in its header' };
}

function tiff(b: Uint8Array): HeaderResult {
  const le = b[0] === 0x49;
  const u16 = (at: number): number => (le ? le16(b, at) : be16(b, at));
  const u32 = (at: number): number => (le ? (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0 : be32(b, at));
  const ifd = u32(4);
  if (ifd + 2 > b.length) return { format: 'tiff', broken: 'its first image directory lies past the end' };
  const n = u16(ifd);
  if (ifd + 2 + 12 * n > b.length) return { format: 'tiff', broken: 'truncated image directory' };
  const SIZE: Record<number, number> = { 1: 1, 3: 2, 4: 4 }; // BYTE, SHORT, LONG
  const tags = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + 12 * i;
    const type = u16(e + 2);
    const count = u32(e + 4);
    const size = SIZE[type];
    if (!size || count > 64) continue; // only the small integer tags matter here
    const at = size * count <= 4 ? e + 8 : u32(e + 8);
    if (at + size * count > b.length) continue;
    tags.set(
      u16(e),
      Array.from({ length: count }, (_, k) => (size === 1 ? b[at + k] : size === 2 ? u16(at + 2 * k) : u32(at + 4 * k))),
    );
  }
  const one = (tag: number, dflt: number): number => tags.get(tag)?.[0] ?? dflt;
  const width = one(256, 0);
  const height = one(257, 0);
  if (!width || !height) return { format: 'tiff', broken: 'no image width or length' };
  const samplesPerPixel = one(277, 1);
  return {
    format: 'tiff',
    width,
    height,
    tiff: {
      bitsPerSample: tags.get(258) ?? Array(samplesPerPixel).fill(1),
      samplesPerPixel,
      compression: one(259, 1),
      photometric: one(262, -1),
      planar: one(284, 1),
      extraSamples: tags.get(338) ?? [],
      sampleFormat: one(339, 1),
    },
  };
}
