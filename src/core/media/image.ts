/**
 * What a runtime's image decoder hands to the hashers: 8-bit RGBA pixels exactly as the codec
 * produced them (no ICC conversion, no EXIF rotation, no resize), plus the facts a client sees.
 */
export interface DecodedImage {
  width: number;
  height: number;
  /** e.g. jpeg, png, webp, gif, avif, tiff. */
  format: string;
  /** width*height*4 bytes, row-major RGBA. Alpha is 255 where the image has none. */
  rgba: Uint8Array;
}

export interface ImageDecoder {
  /**
   * Decodes the first frame. Throws DomainError: `unsupported_media_type` (not an image we read),
   * `corrupt_media` (its first bytes name an image format, but it does not decode: corrupt or
   * truncated), `image_too_large` (more pixels than allowed), `image_too_small`. Messages are the
   * node's own words; the decoder's text travels as the error's cause, for the log.
   */
  decode(bytes: Uint8Array): Promise<DecodedImage>;
}

/** Neither side shorter than this: below it the 16x16 blockhash grid and PDQ's 64x64 filter degrade. */
export const MIN_IMAGE_SIDE = 16;

/** ISO-BMFF (`ftyp`) major brands of still AVIF images. */
export const AVIF_BRANDS = new Set(['avif', 'avis', 'avio']);
/** ... and of the other still HEIF images (HEVC: HEIC). */
export const HEIC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs', 'mif1', 'msf1']);
/** Both: the ISO-BMFF files that are still images, not videos. */
export const HEIF_IMAGE_BRANDS = new Set([...HEIC_BRANDS, ...AVIF_BRANDS]);

/**
 * The image format a body's first bytes announce (its magic number), or null. Whether it then
 * decodes is the decoder's business: announced but undecodable is `corrupt_media`, not announced
 * at all is `unsupported_media_type`.
 */
export function sniffImageFormat(bytes: Uint8Array): 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff' | 'heif' | null {
  const ascii = (at: number, n: number) => String.fromCharCode(...bytes.subarray(at, at + n));
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => bytes[i] === b)) return 'png';
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return 'gif';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WEBP') return 'webp';
  // Classic TIFF, and BigTIFF (version 43: 'II+\0', 'MM\0+'), which libvips reads as TIFF too.
  if (['II*\0', 'MM\0*', 'II+\0', 'MM\0+'].includes(ascii(0, 4))) return 'tiff';
  if (ascii(4, 4) === 'ftyp' && HEIF_IMAGE_BRANDS.has(ascii(8, 4))) return 'heif';
  return null;
}
