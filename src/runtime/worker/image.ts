/**
 * The Workers image decoder: WebAssembly builds of the same codecs sharp uses on Node (MozJPEG's
 * libjpeg-turbo, libwebp, libavif + dav1d; jSquash's packages) plus the PNG crate, and GIF and TIFF
 * in plain JavaScript, chosen so that a Worker hands the hashers the pixels sharp hands them:
 * no ICC conversion, no EXIF rotation, no resize, first frame, 8-bit RGBA (test/runtime/
 * worker-image.test.ts compares the pixels with sharp's; test/worker/conformance.test.ts the hashes).
 *
 * Memory is the edge's hard limit (128 MB an isolate), so the size check comes from the header,
 * before any decoder allocates: each format's decode costs a known number of bytes a pixel
 * (edge-memory.ts), and the image must fit `IMAGE_MEMORY_MB`. Each image gets a fresh decoder
 * instance, dropped with its heap when the hashes are made.
 */
import { DomainError } from '../../core/errors';
import { MIN_IMAGE_SIDE, type DecodedImage, type ImageDecoder } from '../../core/media';
import { readImageHeader, type ImageHeader } from '../../core/media';
import { CodecError } from './codecs/emscripten';
import { decodeGif } from './codecs/gif';
import { decodePng, decodePng16 } from './codecs/png';
import { decodeTiff, tiffLayoutProblem } from './codecs/tiff';
import { decodeWithWasm, type EdgeCodecModules } from './codecs/wasm-codecs';
import { decodeBytes, maxPixelsWithin } from './edge-memory';
import type { Pixels } from './codecs/pixels';

export type { EdgeCodecModules } from './codecs/wasm-codecs';

/** What the edge decodes, in the words of its 415s. */
const EDGE_IMAGE_FORMATS = 'JPEG (8-bit, greyscale or colour), PNG, WebP (still), GIF (first frame), AVIF and baseline TIFF (8-bit greyscale or RGB)';

export interface WasmDecoderOptions {
  /** The node-wide cap on width * height (MAX_IMAGE_PIXELS), as on Node. */
  maxPixels: number;
  /** Bytes one decode may use: the decoder's heap, the RGBA copy and the body (IMAGE_MEMORY_MB). */
  memoryBytes: number;
  modules: EdgeCodecModules;
}

const NAME: Record<string, string> = { jpeg: 'JPEG', png: 'PNG', gif: 'GIF', webp: 'WebP', avif: 'AVIF', heif: 'HEIF', tiff: 'TIFF' };

export class WasmImageDecoder implements ImageDecoder {
  constructor(private readonly opts: WasmDecoderOptions) {}

  async decode(bytes: Uint8Array): Promise<DecodedImage> {
    const h = readImageHeader(bytes);
    if (!h)
      throw new DomainError(
        'unsupported_media_type',
        `the body is not an image this edge node reads; it takes ${EDGE_IMAGE_FORMATS} (videos: on a Node node, or hashed by the client)`,
      );
    const name = NAME[h.format];
    const refused = h.format === 'heif' ? 'a HEIC (HEVC) image' : 'broken' in h ? null : notAtTheEdge(h);
    if (refused) {
      throw new DomainError(
        'unsupported_media_type',
        `${refused} is not decoded at the edge (it takes ${EDGE_IMAGE_FORMATS}); hash it on a Node node or with \`npm run client -- hash FILE\` and send the hashes to POST /v1/match`,
      );
    }
    if ('broken' in h) throw corrupt(name, new Error(h.broken));
    const { width, height } = h;
    const pixels = width * height;
    if (pixels > this.opts.maxPixels) {
      throw new DomainError(
        'image_too_large',
        `image declares ${width}x${height} pixels (${pixels}); this node decodes at most ${this.opts.maxPixels} pixels`,
        {
          extra: { width, height, maxPixels: this.opts.maxPixels },
        },
      );
    }
    // The body stays in memory beside the decoder's heap (which holds its own copy).
    if (bytes.byteLength + decodeBytes(h, bytes.byteLength) > this.opts.memoryBytes) {
      const cap = maxPixelsWithin(h, bytes.byteLength, this.opts.memoryBytes - bytes.byteLength);
      const mb = Math.round(this.opts.memoryBytes / 2 ** 20);
      throw new DomainError(
        'image_too_large',
        `the ${name} image declares ${width}x${height} pixels (${pixels}); at the edge a ${name} image decodes within IMAGE_MEMORY_MB=${mb} up to ${cap} pixels (a Worker has 128 MB); hash it on a Node node or with \`npm run client -- hash FILE\``,
        {
          extra: { width, height, maxPixels: cap },
        },
      );
    }
    if (width < MIN_IMAGE_SIDE || height < MIN_IMAGE_SIDE) {
      throw new DomainError('image_too_small', `image is ${width}x${height}; both sides must be at least ${MIN_IMAGE_SIDE} pixels to hash`, {
        extra: { width, height },
      });
    }
    let out: Pixels;
    try {
      out = await this.pixels(h, bytes);
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      throw corrupt(name, e);
    }
    if (out.width !== width || out.height !== height || out.rgba.length !== width * height * 4) {
      throw corrupt(name, new Error(`header says ${width}x${height}, decoder gave ${out.width}x${out.height}`));
    }
    return { width, height, format: h.format, rgba: out.rgba };
  }

  private async pixels(h: ImageHeader, bytes: Uint8Array): Promise<Pixels> {
    const m = this.opts.modules;
    switch (h.format) {
      case 'png':
        // 16-bit greyscale without alpha: clipped at 255 as on Node (see runtime/node/image/sharp.ts).
        if (h.png!.bitDepth === 16 && h.png!.colorType === 0 && !h.png!.transparency) return grey16Clipped(decodePng16(m.png, bytes));
        return decodePng(m.png, bytes);
      case 'gif':
        return decodeGif(bytes);
      case 'tiff':
        return decodeTiff(bytes);
      default:
        return decodeWithWasm(h.format as 'jpeg' | 'webp' | 'avif', m, bytes);
    }
  }
}

/** The decoder's words (libjpeg's, the PNG crate's) stay in the cause, for the log; the client gets the node's. */
function corrupt(name: string, cause: Error): DomainError {
  return new DomainError('corrupt_media', `the ${name} image does not decode: it is corrupt or truncated`, { cause });
}

/** Why this image is not decoded at the edge (its kind, in a phrase), or null. */
function notAtTheEdge(h: ImageHeader): string | null {
  if (h.jpeg && h.jpeg.components === 4) return 'a CMYK JPEG (its colours need the ICC conversion sharp does on Node)';
  if (h.jpeg && h.jpeg.precision !== 8) return `a ${h.jpeg.precision}-bit JPEG`;
  if (h.jpeg && h.jpeg.components !== 1 && h.jpeg.components !== 3) return `a JPEG with ${h.jpeg.components} components`;
  if (h.webp?.animated) return 'an animated WebP';
  if (h.tiff) {
    const problem = tiffLayoutProblem(h.tiff);
    if (problem) return `a TIFF with ${problem}`;
  }
  return null;
}

function grey16Clipped(p: { width: number; height: number; rgba16: Uint16Array }): Pixels {
  const rgba = new Uint8Array(p.width * p.height * 4);
  for (let i = 0; i < rgba.length; i += 4) {
    const v = p.rgba16[i] > 255 ? 255 : p.rgba16[i];
    rgba[i] = v;
    rgba[i + 1] = v;
    rgba[i + 2] = v;
    rgba[i + 3] = 255;
  }
  return { width: p.width, height: p.height, rgba };
}
