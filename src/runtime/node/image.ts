/**
 * The Node image decoder: sharp (libvips). Decoding follows the reference pipelines the hashes are
 * defined on: embedded ICC profiles ignored, EXIF orientation not applied, no resize, first frame
 * of animations, 8-bit RGBA out. The pixel limit is checked from the header before any pixel is
 * decoded, so a few-KB "decompression bomb" costs nothing.
 */
import sharp from 'sharp';
import { DomainError } from '../../core/errors';
import { MIN_IMAGE_SIDE, type DecodedImage, type ImageDecoder } from '../../core/image';

/** Formats accepted as images (sharp's names). */
const FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'avif', 'heif', 'tiff']);

export interface SharpDecoderOptions {
  /** Refuse images with more pixels than this (width * height). */
  maxPixels: number;
}

export class SharpImageDecoder implements ImageDecoder {
  constructor(private readonly opts: SharpDecoderOptions) {
    // No cache of decoded images: the media must not outlive the request.
    sharp.cache(false);
  }

  async decode(bytes: Uint8Array): Promise<DecodedImage> {
    let meta: sharp.Metadata;
    try {
      meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    } catch (e) {
      throw new DomainError('unsupported_media_type', `not an image this node can read (${describe(e)})`);
    }
    const format = meta.format === 'heif' ? heifFlavour(meta) : meta.format;
    if (!format || !FORMATS.has(meta.format ?? '')) {
      throw new DomainError('unsupported_media_type', `unsupported image format ${JSON.stringify(meta.format ?? 'unknown')}; send JPEG, PNG, WebP, GIF, AVIF or TIFF`);
    }
    const width = meta.width ?? 0;
    const height = meta.height ?? 0;
    if (width * height > this.opts.maxPixels) {
      throw new DomainError('image_too_large', `image declares ${width}x${height} pixels (${width * height}); this node decodes at most ${this.opts.maxPixels} pixels`, {
        extra: { width, height, maxPixels: this.opts.maxPixels },
      });
    }
    if (width < MIN_IMAGE_SIDE || height < MIN_IMAGE_SIDE) {
      throw new DomainError('image_too_small', `image is ${width}x${height}; both sides must be at least ${MIN_IMAGE_SIDE} pixels to hash`, {
        extra: { width, height },
      });
    }
    try {
      const { data, info } = await sharp(bytes, {
        limitInputPixels: this.opts.maxPixels,
        ignoreIcc: true,
        failOn: 'error',
        pages: 1,
        sequentialRead: true,
      })
        .ensureAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      if (info.channels !== 4) throw new Error(`decoder produced ${info.channels} channels`);
      return { width: info.width, height: info.height, format, rgba: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
    } catch (e) {
      throw new DomainError('undecodable_media', `the ${format} image could not be decoded: ${describe(e)}`);
    }
  }
}

function heifFlavour(meta: sharp.Metadata): string {
  return meta.compression === 'av1' ? 'avif' : 'heif';
}

function describe(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  // libvips messages can be multi-line and name internal paths; keep the first line.
  return msg.split('\n')[0].slice(0, 200);
}
