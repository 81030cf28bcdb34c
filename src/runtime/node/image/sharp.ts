/**
 * The Node image decoder: sharp (libvips). Decoding follows the reference pipelines the hashes are
 * defined on: embedded ICC profiles ignored, EXIF orientation not applied, no resize, first frame
 * of animations, 8-bit RGBA out. The pixel limit is checked from the header before any pixel is
 * decoded, so a few-KB "decompression bomb" costs nothing.
 */
import sharp, { type Metadata, type Sharp } from 'sharp';
import { DomainError } from '../../../core/errors';
import { MIN_IMAGE_SIDE, sniffImageFormat, type DecodedImage, type ImageDecoder } from '../../../core/media';
import { VIDEO_CONTAINER_NAMES } from '../../../core/video';

/** Formats accepted as images (sharp's names). */
const FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'avif', 'heif', 'tiff']);

export interface SharpDecoderOptions {
  /** Refuse images with more pixels than this (width * height). */
  maxPixels: number;
  /**
   * Whether the pixels are copied out of sharp's buffer into one that can be moved to another
   * thread (default true). A hash pool thread that decodes and hashes in place sets false: no copy.
   */
  movable?: boolean;
}

export class SharpImageDecoder implements ImageDecoder {
  constructor(private readonly opts: SharpDecoderOptions) {
    // No cache of decoded images: the media must not outlive the request.
    sharp.cache(false);
  }

  async decode(bytes: Uint8Array): Promise<DecodedImage> {
    let meta: Metadata;
    try {
      meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    } catch (e) {
      const announced = sniffImageFormat(bytes);
      if (announced) throw corrupt(announced, e);
      throw new DomainError('unsupported_media_type', `the body is none of the media this node reads; send ${MEDIA_READ}`, { cause: e });
    }
    const format = meta.format === 'heif' ? heifFlavour(meta) : meta.format;
    if (!format || !FORMATS.has(meta.format ?? '')) {
      throw new DomainError('unsupported_media_type', `unsupported image format ${JSON.stringify(meta.format ?? 'unknown')}; send ${ACCEPTED}`);
    }
    const width = meta.width ?? 0;
    const height = meta.height ?? 0;
    if (width * height > this.opts.maxPixels) {
      throw new DomainError(
        'image_too_large',
        `image declares ${width}x${height} pixels (${width * height}); this node decodes at most ${this.opts.maxPixels} pixels`,
        {
          extra: { width, height, maxPixels: this.opts.maxPixels },
        },
      );
    }
    if (width < MIN_IMAGE_SIDE || height < MIN_IMAGE_SIDE) {
      throw new DomainError('image_too_small', `image is ${width}x${height}; both sides must be at least ${MIN_IMAGE_SIDE} pixels to hash`, {
        extra: { width, height },
      });
    }
    const open = () =>
      sharp(bytes, {
        limitInputPixels: this.opts.maxPixels,
        ignoreIcc: true,
        failOn: 'error',
        pages: 1,
        sequentialRead: true,
      });
    try {
      if (meta.depth === 'ushort' && meta.channels === 1) return { width, height, format, rgba: await grey16ClippedToRgba(open()) };
      const { data, info } = await open().ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      if (info.channels !== 4) throw new Error(`decoder produced ${info.channels} channels`);
      // Copied out of sharp's buffer (memory libvips owns, which Node will not move to another
      // thread: it would be copied there on every transfer) into one that can be handed to the hash
      // pool without a copy; sharp's is freed with its Buffer. About 1 ms for 1080p. Not copied
      // where the pixels stay in this thread.
      const rgba = this.opts.movable === false ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
      return { width: info.width, height: info.height, format, rgba };
    } catch (e) {
      throw corrupt(format, e);
    }
  }
}

/**
 * 16-bit greyscale without alpha (PNG, TIFF): Pillow opens it as mode I;16 and HMA converts that to
 * RGB by clipping each sample at 255, not by scaling (the reference expectation for I16.png depends
 * on it). Every other 16-bit layout reaches Pillow as 8 bits by keeping the high byte, which is also
 * what libvips does, so only this one needs its own path.
 */
async function grey16ClippedToRgba(img: Sharp): Promise<Uint8Array> {
  const { data, info } = await img.toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`decoder produced ${info.channels} 16-bit channels`);
  const bytes = data.byteOffset % 2 === 0 ? data : new Uint8Array(data);
  const grey = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
  const rgba = new Uint8Array(grey.length * 4);
  for (let p = 0, q = 0; p < grey.length; p++, q += 4) {
    const v = grey[p] > 255 ? 255 : grey[p];
    rgba[q] = v;
    rgba[q + 1] = v;
    rgba[q + 2] = v;
    rgba[q + 3] = 255;
  }
  return rgba;
}

function heifFlavour(meta: Metadata): string {
  return meta.compression === 'av1' ? 'avif' : 'heif';
}

const ACCEPTED = 'JPEG, PNG, WebP, GIF, AVIF or TIFF images, or a video (MP4, MOV, WebM, Matroska, AVI, FLV, MPEG-TS/PS, Ogg)';
/** What the node's media routes (/v1/hash, /v1/hashes/media, /v1/match/media, HMA's lookup) take, as a 415 for bytes that are none of them lists it. */
const MEDIA_READ = `an image (JPEG, PNG, WebP, GIF, AVIF or TIFF), a video (${VIDEO_CONTAINER_NAMES}), a PDF, or a text declared text/plain`;

/** libvips' text (which names its internals) stays in the cause, for the log. */
function corrupt(format: string, cause: unknown): DomainError {
  return new DomainError('corrupt_media', `the ${format.toUpperCase()} image does not decode: it is corrupt or truncated`, { cause });
}
