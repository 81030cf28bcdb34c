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
import { blockhashDihedralFromRgba, blockhashFromRgba, blockhashSupports } from '../core/blockhash';
import { bytesToHex } from '../core/hex';
import { pdqDihedralFromRgba, pdqFromRgba, type PdqDihedralVariant } from '../core/pdq';

export { blockhash, blockhashDihedralFromRgba, blockhashFromRgba } from '../core/blockhash';
export { hammingHex, HASH_TYPES, type HashType } from '../core/hashes';
import { THRESHOLDS } from '../core/hashes';
export { LABELS, type Label } from '../core/hashes';
export { dihedralFromHash, lumaFromRgba, pdqDihedralFromRgba, pdqFromLuma, pdqFromRgba, PDQ_DIHEDRAL_VARIANTS, type PdqDihedralVariant, type PdqResult } from '../core/pdq';
export { isVideo, sniffVideoContainer, vpdqDigest, vpdqText, type VideoFrameHash } from '../core/video';
export { sniffImageFormat } from '../core/media';

/** Below this PDQ quality the node refuses to share a hash (422 low_quality). */
export const PDQ_MIN_SHARE_QUALITY = THRESHOLDS.pdq.minQuality;

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
  variants?: { pdq: { variant: PdqDihedralVariant; value: string }[]; blockhash: { variant: PdqDihedralVariant; value: string }[] };
}

/** The node's image hashes of decoded pixels: PDQ (with quality) and blockhash (16 x 16, method 2). */
export function hashPixels(image: RgbaImage, opts: { dihedral?: boolean } = {}): PixelHashes {
  const raw = image.rgba ?? image.data;
  if (!raw) throw new TypeError('hashPixels needs the pixels as `rgba` or `data` (ImageData)');
  const rgba = raw instanceof Uint8Array ? raw : new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  const { width, height } = image;
  if (!blockhashSupports(width, height, 16)) throw new RangeError(`a ${width}x${height} image is too small to hash: the node takes images of at least 16 pixels a side`);
  if (opts.dihedral) {
    const d = pdqDihedralFromRgba(rgba, width, height);
    const b = blockhashDihedralFromRgba(rgba, width, height);
    return {
      pdq: { value: d.hashes[0].hash, quality: d.quality },
      blockhash: { value: b[0].hash },
      variants: { pdq: d.hashes.map((h) => ({ variant: h.variant, value: h.hash })), blockhash: b.map((h) => ({ variant: h.variant, value: h.hash })) },
    };
  }
  const p = pdqFromRgba(rgba, width, height);
  return { pdq: { value: p.hash, quality: p.quality }, blockhash: { value: blockhashFromRgba(rgba, width, height) } };
}

/** MD5 and SHA-256 of the exact bytes (lowercase hex), in pure JavaScript: the same in every runtime. */
export function digestBytes(bytes: Uint8Array): { md5: string; sha256: string } {
  return { md5: bytesToHex(md5(bytes)), sha256: bytesToHex(sha256(bytes)) };
}
