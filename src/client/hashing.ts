/**
 * Local hashing, so that a member can send the node only hashes: the node's own PDQ, blockhash and
 * vPDQ code (from src/core, pure TypeScript with optional WebAssembly kernels), applied to RGBA
 * pixels the caller decoded (a canvas's ImageData, sharp's raw output, a Workers image decoder), and
 * MD5/SHA-256 of the file's bytes. Decoding stays the caller's: decode without ICC conversion, EXIF
 * rotation or resizing, as the node does, to get the node's exact hashes.
 *
 * The one place the client reaches into core: when core's folders move, only these imports change.
 */
import { md5 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import * as bh from '../core/blockhash';
import { LABELS, THRESHOLDS } from '../core/hashes';
import { bytesToHex } from '../core/hex';
import { buildHashKernels, type HashKernels } from '../core/kernels';
import type { DecodedImage } from '../core/media';
import * as pdq from '../core/pdq';
import { STORED_VARIANTS } from '../core/robust';
import type { LabelId, MatchQuery, StoredVariant } from './types';

export { hammingHex, HASH_TYPES, type HashType } from '../core/hashes';
export { LABELS, type Label } from '../core/hashes';
export { dihedralFromHash, lumaFromRgba, PDQ_DIHEDRAL_VARIANTS, type PdqDihedralVariant, type PdqResult } from '../core/pdq';
export { isVideo, sniffVideoContainer, vpdqDigest, vpdqText, type VideoFrameHash } from '../core/video';
export { sniffImageFormat } from '../core/media';
export type { HashKernels } from '../core/kernels';

/** Whether `s` is one of the node's label ids (LABELS). */
export const isLabelId = (s: string): s is LabelId => LABELS.some((l) => l.id === s);

/** Whether `s` is a variant a share may name a hash with (the whole media, an image's regions and crops: what a media share stores). */
export const isStoredVariant = (s: string): s is StoredVariant => STORED_VARIANTS.includes(s);

/** Below this PDQ quality the node refuses to share a hash (422 low_quality). */
export const PDQ_MIN_SHARE_QUALITY = THRESHOLDS.pdq.minQuality;

let compiled: HashKernels | undefined;

/**
 * The hashes' WebAssembly kernels, compiled once on first use. Where the runtime compiles no code at
 * run time (Workers), the TypeScript paths: the same hashes, slower. (The node itself does not fall
 * back silently; a client that wants the kernels on Workers builds them from the uploaded modules
 * with `buildHashKernels` and passes them to `hashPixels`.)
 */
export function localKernels(): HashKernels {
  return (compiled ??= buildHashKernels({ onFailure: () => undefined }));
}

export { buildHashKernels };

/** PDQ of RGBA pixels, as the node computes it. */
export const pdqFromRgba = (rgba: Uint8Array, width: number, height: number): pdq.PdqResult => pdq.pdqFromRgba(rgba, width, height, localKernels().pdq);
/** PDQ of a float luma plane. */
export const pdqFromLuma = (luma: Float32Array, width: number, height: number): pdq.PdqResult => pdq.pdqFromLuma(luma, width, height, localKernels().pdq);
/** The PDQ hashes of the image's 8 rotations and mirrors. */
export const pdqDihedralFromRgba = (rgba: Uint8Array, width: number, height: number): pdq.PdqDihedralResult =>
  pdq.pdqDihedralFromRgba(rgba, width, height, localKernels().pdq);
/** blockhash of a decoded image (method 2, 16 bits a side by default), as the node computes it. */
export const blockhash = (img: DecodedImage, method: 1 | 2 = 2, bits = bh.BLOCKHASH_BITS_PER_SIDE): string =>
  bh.blockhash(img, localKernels().blockhash, method, bits);
export const blockhashFromRgba = (rgba: Uint8Array, width: number, height: number, method: bh.BlockhashMethod = 2, bits = 16): string =>
  bh.blockhashFromRgba(rgba, width, height, localKernels().blockhash, method, bits);
/** Method-2 blockhashes of the image's 8 rotations and mirrors. */
export const blockhashDihedralFromRgba = (rgba: Uint8Array, width: number, height: number, bits = 16) =>
  bh.blockhashDihedralFromRgba(rgba, width, height, localKernels().blockhash, bits);

/** Decoded pixels: width * height * 4 bytes, row-major RGBA (alpha ignored). ImageData fits. */
export interface RgbaImage {
  width: number;
  height: number;
  data?: Uint8Array | Uint8ClampedArray;
  rgba?: Uint8Array | Uint8ClampedArray;
}

export interface PixelHashes {
  pdq: { value: string; quality: number };
  blockhash: { value: string };
  /** With `dihedral`: the hashes of the 8 rotations and mirrors, as the node's /v1/hash gives them. */
  variants?: { pdq: { variant: pdq.PdqDihedralVariant; value: string }[]; blockhash: { variant: pdq.PdqDihedralVariant; value: string }[] };
}

/**
 * The node's image hashes of decoded pixels: PDQ (with quality) and blockhash (16 x 16, method 2).
 * `kernels`: default `localKernels()`.
 */
export function hashPixels(image: RgbaImage, opts: { dihedral?: boolean; kernels?: HashKernels } = {}): PixelHashes {
  const raw = image.rgba ?? image.data;
  if (!raw) throw new TypeError('hashPixels needs the pixels as `rgba` or `data` (ImageData)');
  const rgba = raw instanceof Uint8Array ? raw : new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  const { width, height } = image;
  const kernels = opts.kernels ?? localKernels();
  if (!bh.blockhashSupports(width, height, 16))
    throw new RangeError(`a ${width}x${height} image is too small to hash: the node takes images of at least 16 pixels a side`);
  if (opts.dihedral) {
    const d = pdq.pdqDihedralFromRgba(rgba, width, height, kernels.pdq);
    const b = bh.blockhashDihedralFromRgba(rgba, width, height, kernels.blockhash);
    return {
      pdq: { value: d.hashes[0].hash, quality: d.quality },
      blockhash: { value: b[0].hash },
      variants: { pdq: d.hashes.map((h) => ({ variant: h.variant, value: h.hash })), blockhash: b.map((h) => ({ variant: h.variant, value: h.hash })) },
    };
  }
  const p = pdq.pdqFromRgba(rgba, width, height, kernels.pdq);
  return { pdq: { value: p.hash, quality: p.quality }, blockhash: { value: bh.blockhashFromRgba(rgba, width, height, kernels.blockhash) } };
}

/**
 * An image hashed here, as the hashes to match (`NodeClient.match`): pdq (with its quality) and
 * blockhash, and md5 and sha256 when the bytes' digests are given. Hashed with `dihedral`, each
 * perceptual hash carries its 7 rotations and mirrors (`variants`, all but `original`): the node
 * matches them as it matches those of an uploaded image, where from a hash alone it can derive only
 * PDQ's (a few bits off) and no blockhash's.
 */
export function imageQueries(h: PixelHashes, digests?: { md5: string; sha256: string }): MatchQuery[] {
  const turned = (list: { variant: pdq.PdqDihedralVariant; value: string }[] | undefined) => {
    const variants = (list ?? []).flatMap((v) => (v.variant === 'original' ? [] : [{ variant: v.variant, value: v.value }]));
    return variants.length ? { variants } : {};
  };
  return [
    { type: 'pdq', value: h.pdq.value, quality: h.pdq.quality, ...turned(h.variants?.pdq) },
    { type: 'blockhash', value: h.blockhash.value, ...turned(h.variants?.blockhash) },
    ...(digests
      ? [
          { type: 'md5' as const, value: digests.md5 },
          { type: 'sha256' as const, value: digests.sha256 },
        ]
      : []),
  ];
}

/** MD5 and SHA-256 of the exact bytes (lowercase hex), in pure JavaScript: the same in every runtime. */
export function digestBytes(bytes: Uint8Array): { md5: string; sha256: string } {
  return { md5: bytesToHex(md5(bytes)), sha256: bytesToHex(sha256(bytes)) };
}
