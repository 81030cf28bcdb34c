/** Hash an uploaded image, video, PDF or text: every hash type the node knows, and the facts about the media. Stores nothing. */
import { charsetOf, isPdf, type PdfPageHash } from '../core/document';
import { DomainError } from '../core/errors';
import { sniffImageFormat } from '../core/media';
import type { UrlCandidate } from '../core/url';
import type { HashType, SingleHashType } from '../core/hashes';
import { hashVideo, isVideo, vpdqDigest, type VideoFrameHash } from '../core/video';
import type { SlotPlace } from '../core/limits';
import type { PdqDihedralVariant, TurnedVariant } from '../core/pdq';
import { inThread, type EncodedImageWorker, type RobustRole } from '../core/pixel-tasks';
import type { ServiceDeps } from './deps';
import { hashPdfMedia, hashTextMedia, type PdfMediaHashes, type TextMediaHashes } from './document-hashing';

export type { PdfMediaHashes, TextMediaHashes };

export interface Variant {
  /** A rotation or mirror (core/pdq PDQ_DIHEDRAL_VARIANTS), or a robust region (RobustVariant). */
  variant: PdqDihedralVariant | string;
  value: string;
  /** The largest distance at which this variant matches, when it is not the query's (robust rules). */
  maxDistance?: number;
}

/**
 * A perceptual hash of one region of an image (issue 14): `whole` is the image as sent (today's
 * hashes), `trim` inside its borders, `screen` inside a phone screenshot's bars, `deskew` a small
 * rotation undone, `crop-…` a crop stored at enrolment (core/robust). Quality: PDQ's, or blockhash's
 * from core/robust gates.ts.
 */
export interface RobustVariant {
  type: 'pdq' | 'blockhash';
  value: string;
  quality?: number;
  variant: string;
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
  /** With `robust`: the whole image's perceptual hashes and those of its regions, each named by its variant. */
  robust?: RobustVariant[];
}

export interface VideoMediaHashes {
  kind: 'video';
  hashes: {
    /** value: SHA-256 of the frame list (core/video vpdqDigest); frames: PDQ of the sampled frames. */
    vpdq: { value: string; frames: VideoFrameHash[] };
    md5: { value: string };
    sha256: { value: string };
  };
  media: { width: number; height: number; format: string; durationSeconds: number };
}

/** `metrics` is optional: the client CLI hashes with the same code and no metrics. */
/** `images` too: without it the pixel hashes run in the calling thread, unbounded (the client CLI hashes one file at a time). */
type HashingDeps = Pick<ServiceDeps, 'decoder' | 'kernels' | 'digests' | 'video' | 'documents'> & Partial<Pick<ServiceDeps, 'metrics' | 'images'>>;

export type AnyMediaHashes = MediaHashes | VideoMediaHashes | PdfMediaHashes | TextMediaHashes;

export type MediaKind = AnyMediaHashes['kind'];

/**
 * What an upload is. Images, videos and PDFs are told apart by their first bytes, not by the
 * Content-Type a client claims; text has no magic number, so a body declared `text/plain` (with its
 * charset) whose bytes are none of those is text. The size limit of an upload follows from it
 * (src/http/media.ts), and so does how it is hashed.
 */
export function mediaKind(bytes: Uint8Array, contentType = ''): MediaKind {
  if (isVideo(bytes)) return 'video';
  if (isPdf(bytes)) return 'pdf';
  if (contentType.toLowerCase().startsWith('text/plain') && !sniffImageFormat(bytes)) return 'text';
  return 'image';
}

/**
 * Hashes an upload as `mediaKind` tells it (`opts.contentType`: what the client declared, for text
 * and its charset). Only the decoders and digests: the client CLI hashes locally with the same code
 * as the node. Sizes are the caller's to limit (src/http/media.ts).
 */
export async function hashMedia(
  deps: HashingDeps,
  bytes: Uint8Array,
  opts: {
    dihedral?: boolean;
    robust?: RobustRole;
    contentType?: string;
    admitted?: SlotPlace;
    /** The request's: aborted when its client has gone, which frees its place in a queue and stops a decode in flight (`cancelled`). */
    signal?: AbortSignal;
  } = {},
): Promise<AnyMediaHashes> {
  try {
    if (bytes.byteLength === 0)
      throw new DomainError('invalid_request', 'the request body is empty; send the image, video, PDF or text', {
        errors: [{ path: 'body', message: 'empty' }],
      });
    const kind = mediaKind(bytes, opts.contentType);
    // Not an image after all: its place among the image slots is not held through a video's decode.
    if (kind !== 'image') opts.admitted?.release();
    if (kind === 'video') return await hashVideoMedia(deps, bytes, opts.signal);
    if (kind === 'pdf') return await hashPdfMedia(deps, bytes, opts.signal);
    if (kind === 'text') return await hashTextMedia(deps, bytes, charsetOf((opts.contentType ?? '').toLowerCase()));
    // Bytes that are none of these go to the image decoder, whose 415 says what this runtime reads
    // (on Node every kind the media routes take; at the edge its images).
    return await hashImage(deps, bytes, opts);
  } finally {
    // A place taken for an image that turned out to be something else (or never decoded) is freed here.
    opts.admitted?.release();
  }
}

async function hashVideoMedia(deps: HashingDeps, bytes: Uint8Array, signal?: AbortSignal): Promise<VideoMediaHashes> {
  // Timed inside its slot: the decode's own duration, not the wait for a slot (a gauge shows that).
  const v = await deps.video.slots.run(async () => {
    const metrics = deps.metrics;
    const elapsed = metrics?.timer();
    const r = await hashVideo(deps.video.decoder, bytes, { ...deps.video.decode, signal }, deps.kernels.pdq);
    if (metrics && elapsed) metrics.hashed('video', elapsed());
    return r;
  }, signal);
  const { md5, sha256 } = await deps.digests.digest(bytes);
  return {
    kind: 'video',
    hashes: { vpdq: { value: vpdqDigest(v.frames), frames: v.frames }, md5: { value: md5 }, sha256: { value: sha256 } },
    media: { width: v.width, height: v.height, format: v.format, durationSeconds: v.durationSeconds },
  };
}

async function hashImage(
  deps: HashingDeps,
  bytes: Uint8Array,
  opts: { dihedral?: boolean; robust?: RobustRole; admitted?: SlotPlace; signal?: AbortSignal },
): Promise<MediaHashes> {
  const decoder = deps.decoder;
  if (!decoder) {
    throw new DomainError(
      'not_implemented',
      'this deployment cannot decode images; compute the hashes on your side (npm run client -- hash FILE) and send them to POST /v1/match',
    );
  }
  const pixels = deps.images?.pixels ?? inThread(deps.kernels);
  const encoded = deps.images?.encoded;
  const task = { dihedral: opts.dihedral === true, robust: opts.robust };
  // Decoded and hashed here (Workers, HASH_THREADS=0): the digests while the image decodes, then the
  // hashes, which hold the pixels.
  const here = async () => {
    const [{ md5, sha256 }, img] = await Promise.all([deps.digests.digest(bytes), decoder.decode(bytes)]);
    const media = { width: img.width, height: img.height, format: img.format };
    const h = await pixels.run('imageHashes', { rgba: img.rgba, width: img.width, height: img.height }, task);
    return { h, media, md5, sha256 };
  };
  // Or in one job of the hash pool (Node): decoded, digested and hashed in a thread, whose pixels
  // never reach the main thread.
  const away = async (worker: EncodedImageWorker) => {
    const r = await worker.hash(bytes, task);
    return { h: r.hashes, media: r.media, md5: r.digests.md5, sha256: r.digests.sha256 };
  };
  // All of it in a slot, which bounds how many images are held at once (on a Worker, its 128 MB
  // holds one large image, not two: one slot).
  const work = async () => {
    const elapsed = deps.metrics?.timer();
    const out = await (encoded ? away(encoded) : here());
    if (deps.metrics && elapsed) deps.metrics.hashed('image', elapsed());
    return out;
  };
  // A place in the queue is given back when the client goes; an image in its slot (a few hundred ms) runs to the end.
  const { h, media, md5, sha256 } = await (opts.admitted
    ? opts.admitted.run(work, opts.signal)
    : deps.images
      ? deps.images.slots.run(work, opts.signal)
      : work());
  const out: MediaHashes = {
    kind: 'image',
    hashes: { pdq: { value: h.pdq.hash, quality: h.pdq.quality }, blockhash: { value: h.blockhash }, md5: { value: md5 }, sha256: { value: sha256 } },
    media,
  };
  if (h.variants) {
    out.variants = {
      pdq: h.variants.pdq.map((v) => ({ variant: v.variant, value: v.hash })),
      blockhash: h.variants.blockhash.map((v) => ({ variant: v.variant, value: v.hash })),
    };
  }
  if (h.robust) {
    out.robust = [
      { type: 'pdq', value: out.hashes.pdq.value, quality: out.hashes.pdq.quality, variant: 'whole' },
      { type: 'blockhash', value: out.hashes.blockhash.value, quality: h.robust.blockhashQuality, variant: 'whole' },
      ...h.robust.regions,
    ];
  }
  return out;
}

/** What a url share asks to match: the URL itself, every URL on its host, or every URL under its folder. */
export type UrlScope = 'exact' | 'host' | 'prefix';

/** A url item sent as a URL: its canonical form (never stored), its scope, and (to match) the digests it falls under. */
export interface UrlQuery {
  canonical: string;
  scope: UrlScope;
  /** Matching: the URL's host key, its folders' keys and its own digest (core/url `prefixDigests`). */
  candidates?: UrlCandidate[];
}

/**
 * A hash as a client sends it, once checked (src/http/hash-input.ts): a single hash (PDQ with its
 * quality when known), a video's frames or a PDF's pages and their digest, or a url value (with the
 * URL it came from, when the client sent the URL itself).
 */
export type HashQuery =
  | {
      type: Exclude<SingleHashType, 'url'>;
      value: string;
      quality?: number;
      /** pdq and blockhash only: the image's rotations and mirrors as the client hashed them (exact). */
      variants?: readonly { variant: TurnedVariant; value: string }[];
    }
  | { type: 'vpdq'; value: string; frames: VideoFrameHash[] }
  | { type: 'pdf'; value: string; pages: PdfPageHash[] }
  | { type: 'url'; value: string; url?: UrlQuery };

/** A hash of an upload as the query (or share item) it makes. */
export function asQuery(h: HashWithVariants): HashQuery {
  if (h.type === 'vpdq') return { type: 'vpdq', value: h.value, frames: h.frames ?? [] };
  if (h.type === 'pdf') return { type: 'pdf', value: h.value, pages: h.pages ?? [] };
  if (h.type === 'url') return { type: 'url', value: h.value };
  return { type: h.type, value: h.value, quality: h.quality };
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
    return [
      { type: 'vpdq', value: h.hashes.vpdq.value, frames: h.hashes.vpdq.frames },
      { type: 'md5', value: h.hashes.md5.value },
      { type: 'sha256', value: h.hashes.sha256.value },
    ];
  }
  return [
    { type: 'pdq', value: h.hashes.pdq.value, quality: h.hashes.pdq.quality, variants: h.variants?.pdq },
    { type: 'blockhash', value: h.hashes.blockhash.value, variants: h.variants?.blockhash },
    { type: 'md5', value: h.hashes.md5.value },
    { type: 'sha256', value: h.hashes.sha256.value },
  ];
}
