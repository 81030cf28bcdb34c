/** Hash an uploaded image, video, PDF or text: every hash type the node knows, and the facts about the media. Stores nothing. */
import { blockhash, blockhashDihedralFromRgba } from '../core/blockhash';
import { charsetOf, isPdf, type PdfPageHash } from '../core/document';
import { DomainError } from '../core/errors';
import { sniffImageFormat } from '../core/media';
import type { UrlCandidate } from '../core/url';
import type { HashType } from '../core/hashes';
import { hashVideo, isVideo, vpdqDigest, type VideoFrameHash } from '../core/video';
import { pdqDihedralFromRgba, pdqFromRgba, type PdqDihedralVariant } from '../core/pdq';
import type { ServiceDeps } from './deps';
import { hashPdfMedia, hashTextMedia, type PdfMediaHashes, type TextMediaHashes } from './document-hashing';

export type { PdfMediaHashes, TextMediaHashes };

/** Below this PDQ quality a hash says little about the image (flat, blank, tiny): returned, never shared. */
export const PDQ_MIN_SHARE_QUALITY = 50;

export interface Variant {
  variant: PdqDihedralVariant;
  value: string;
}

export interface MediaHashes {
  kind: 'image';
  hashes: {
    pdq: { value: string; quality: number };
    blockhash: { value: string };
    md5: { value: string };
    sha256: { value: string };
  };
  media: { width: number; height: number; format: string };
  /** With `dihedral`: the hashes of the image's 8 rotations and mirrors. */
  variants?: { pdq: Variant[]; blockhash: Variant[] };
}

export interface VideoMediaHashes {
  kind: 'video';
  hashes: {
    /** value: SHA-256 of the frame list (core/video.ts vpdqDigest); frames: PDQ of the sampled frames. */
    vpdq: { value: string; frames: VideoFrameHash[] };
    md5: { value: string };
    sha256: { value: string };
  };
  media: { width: number; height: number; format: string; durationSeconds: number };
}

/** `metrics` is optional: the client CLI hashes with the same code and no metrics. */
type HashingDeps = Pick<ServiceDeps, 'decoder' | 'digests' | 'video' | 'documents' | 'limits'> & Partial<Pick<ServiceDeps, 'metrics'>>;

export type AnyMediaHashes = MediaHashes | VideoMediaHashes | PdfMediaHashes | TextMediaHashes;

/**
 * Images, videos and PDFs are told apart by their first bytes, not by the Content-Type a client
 * claims; text has no magic number, so a body declared `text/plain` (`opts.contentType`, with its
 * charset) whose bytes are none of those is text. Only the decoders and digests: the client CLI
 * hashes locally with the same code as the node.
 */
export async function hashMedia(deps: HashingDeps, bytes: Uint8Array, opts: { dihedral?: boolean; contentType?: string } = {}): Promise<AnyMediaHashes> {
  if (bytes.byteLength === 0) throw new DomainError('invalid_request', 'the request body is empty; send the image, video, PDF or text', { errors: [{ path: 'body', message: 'empty' }] });
  if (isVideo(bytes)) return hashVideoMedia(deps, bytes);
  if (isPdf(bytes)) return hashPdfMedia(deps, bytes);
  const type = (opts.contentType ?? '').toLowerCase();
  if (type.startsWith('text/plain') && !sniffImageFormat(bytes)) return hashTextMedia(deps, bytes, charsetOf(type));
  if (bytes.byteLength > deps.limits.maxBodyBytes) {
    throw new DomainError('payload_too_large', `images are accepted up to ${deps.limits.maxBodyBytes} bytes (videos up to ${deps.video.maxBytes}); this body is ${bytes.byteLength}`, {
      extra: { maxBytes: deps.limits.maxBodyBytes },
    });
  }
  return hashImage(deps, bytes, opts);
}

async function hashVideoMedia(deps: HashingDeps, bytes: Uint8Array): Promise<VideoMediaHashes> {
  // The route lets bodies up to the larger of the two limits through; a video has its own.
  if (bytes.byteLength > deps.video.maxBytes) {
    throw new DomainError('payload_too_large', `videos are accepted up to ${deps.video.maxBytes} bytes; this one is ${bytes.byteLength}`, { extra: { maxBytes: deps.video.maxBytes } });
  }
  // Timed inside its slot: the decode's own duration, not the wait for a slot (a gauge shows that).
  const v = await deps.video.slots.run(async () => {
    const elapsed = deps.metrics?.timer();
    const r = await hashVideo(deps.video.decoder, bytes, deps.video.decode);
    if (elapsed) deps.metrics!.hashed('video', elapsed());
    return r;
  });
  const { md5, sha256 } = await fileDigests(deps, bytes);
  return {
    kind: 'video',
    hashes: { vpdq: { value: vpdqDigest(v.frames), frames: v.frames }, md5: { value: md5 }, sha256: { value: sha256 } },
    media: { width: v.width, height: v.height, format: v.format, durationSeconds: v.durationSeconds },
  };
}

/** The exact hashes of the uploaded bytes. */
async function fileDigests(deps: HashingDeps, bytes: Uint8Array): Promise<{ md5: string; sha256: string }> {
  const [md5, sha256] = await Promise.all([deps.digests.md5(bytes), deps.digests.sha256(bytes)]);
  return { md5, sha256 };
}

async function hashImage(deps: HashingDeps, bytes: Uint8Array, opts: { dihedral?: boolean }): Promise<MediaHashes> {
  if (!deps.decoder) {
    throw new DomainError('not_implemented', 'this deployment cannot decode images; compute the hashes on your side (npm run client -- hash FILE) and send them to POST /v1/match');
  }
  const elapsed = deps.metrics?.timer();
  // Digests first: from the decode to the last hash nothing awaits, so no other request's image is
  // decoded while this one's pixels are held (a Worker's 128 MB holds one large image, not two).
  const { md5, sha256 } = await fileDigests(deps, bytes);
  const img = await deps.decoder.decode(bytes);
  const out: MediaHashes = {
    kind: 'image',
    hashes: { pdq: { value: '', quality: 0 }, blockhash: { value: blockhash(img) }, md5: { value: md5 }, sha256: { value: sha256 } },
    media: { width: img.width, height: img.height, format: img.format },
  };
  if (opts.dihedral) {
    // PDQ: all 8 from one DCT. blockhash: from one pass over the pixels (its block values are
    // exact, so a rotation or mirror only reorders them).
    const d = pdqDihedralFromRgba(img.rgba, img.width, img.height);
    out.hashes.pdq = { value: d.hashes[0].hash, quality: d.quality };
    out.variants = {
      pdq: d.hashes.map((h) => ({ variant: h.variant, value: h.hash })),
      blockhash: blockhashDihedralFromRgba(img.rgba, img.width, img.height).map((h) => ({ variant: h.variant, value: h.hash })),
    };
  } else {
    const p = pdqFromRgba(img.rgba, img.width, img.height);
    out.hashes.pdq = { value: p.hash, quality: p.quality };
  }
  if (elapsed) deps.metrics!.hashed('image', elapsed());
  return out;
}

export interface HashWithVariants {
  type: HashType;
  value: string;
  quality?: number;
  variants?: Variant[];
  /** vpdq: the frames (value is their digest). */
  frames?: VideoFrameHash[];
  /** pdf: the pages (value is their digest). */
  pages?: PdfPageHash[];
  /** url: the canonical URL a query came with (never stored), and the digests it is looked up by. */
  url?: string;
  urlCandidates?: UrlCandidate[];
}

/** The (type, value) pairs of a hashing result, in a fixed order, with their variants, frames or pages. */
export function hashList(h: AnyMediaHashes): HashWithVariants[] {
  if (h.kind === 'pdf' || h.kind === 'text') {
    const pdf = h.kind === 'pdf' ? h.hashes.pdf : undefined;
    return [
      ...(pdf ? [{ type: 'pdf' as const, value: pdf.value, pages: pdf.pages }] : []),
      ...(h.hashes.tlsh ? [{ type: 'tlsh' as const, value: h.hashes.tlsh.value }] : []),
      { type: 'md5', value: h.hashes.md5.value },
      { type: 'sha256', value: h.hashes.sha256.value },
    ];
  }
  if (h.kind === 'video') {
    return [{ type: 'vpdq', value: h.hashes.vpdq.value, frames: h.hashes.vpdq.frames }, { type: 'md5', value: h.hashes.md5.value }, { type: 'sha256', value: h.hashes.sha256.value }];
  }
  return [
    { type: 'pdq', value: h.hashes.pdq.value, quality: h.hashes.pdq.quality, variants: h.variants?.pdq },
    { type: 'blockhash', value: h.hashes.blockhash.value, variants: h.variants?.blockhash },
    { type: 'md5', value: h.hashes.md5.value },
    { type: 'sha256', value: h.hashes.sha256.value },
  ];
}
