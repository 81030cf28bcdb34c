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
   * `undecodable_media` (corrupt), `image_too_large` (more pixels than allowed), `image_too_small`.
   */
  decode(bytes: Uint8Array): Promise<DecodedImage>;
}

/** Neither side shorter than this: below it the 16x16 blockhash grid and PDQ's 64x64 filter degrade. */
export const MIN_IMAGE_SIDE = 16;
