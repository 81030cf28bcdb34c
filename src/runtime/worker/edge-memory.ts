/**
 * What decoding an image costs in memory at the edge: the decoder's WebAssembly heap at its
 * high-water mark (its copy of the body, its work buffers, the RGBA it writes; the pixels are then
 * handed over as a view of that heap, not copied), from the header alone. The figures are those of
 * `npx tsx src/cli/bench/edge-memory.ts` (fresh instance per image, as the worker runs them; the
 * README has the table), rounded up; the bench says whether the model covers each measured heap.
 */
import type { ImageHeader } from '../../core/media';

const MB = 2 ** 20;

/** Bytes the decode of this image, from a body of `bodyBytes`, may reach. */
export function decodeBytes(h: ImageHeader, bodyBytes: number): number {
  const p = h.width * h.height;
  switch (h.format) {
    case 'jpeg':
      // RGBA out + row buffers (4.3-4.4 B/px measured), and for a progressive file every DCT
      // coefficient of the image; Emscripten's heap starts at 16 MB.
      return Math.max(17 * MB, 4.6 * p + (h.jpeg?.progressive ? h.jpeg.coefficientBytes : 0) + 2 * bodyBytes + 2 * MB);
    case 'png':
      // The rows as stored, the RGBA made from them, and the Rust allocator's growth (6.5-12.3 B/px).
      return 13 * p + 1.3 * bodyBytes + 2 * MB;
    case 'webp':
      return Math.max(17 * MB, (h.webp?.lossless ? 9.6 : 5.2) * p + 2 * bodyBytes + 2 * MB);
    case 'avif':
      // dav1d's frame buffers and libavif's conversion: 20-29 B/px measured.
      return Math.max(60 * MB, 30 * p + 2 * bodyBytes + 2 * MB);
    case 'gif':
      // omggif (JavaScript): the RGBA and one index byte a pixel.
      return 5 * p + bodyBytes;
    default:
      // TIFF (UTIF, JavaScript): the decoded samples (up to 4 a pixel) and the RGBA.
      return 8 * p + 2 * bodyBytes;
  }
}

/** The most pixels an image of this kind may have for its decode to fit `budget` bytes. */
export function maxPixelsWithin(h: ImageHeader, bodyBytes: number, budget: number): number {
  // decodeBytes grows with the pixel count: halve the interval down to the largest that fits.
  let lo = 0;
  let hi = 1e9;
  const fits = (p: number) =>
    decodeBytes(
      { ...h, width: p, height: 1, jpeg: h.jpeg && { ...h.jpeg, coefficientBytes: (h.jpeg.coefficientBytes * p) / Math.max(1, h.width * h.height) } },
      bodyBytes,
    ) <= budget;
  if (!fits(1)) return 0;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}
