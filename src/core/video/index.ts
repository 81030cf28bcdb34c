/**
 * Video hashing as vPDQ defines it (facebook/ThreatExchange `vpdq/`): PDQ of decoded frames, each
 * annotated with its frame number, quality and timestamp, and a match rule that treats each video
 * as an unordered bag of frame hashes. The decoder is a runtime's business (ffmpeg on Node); this
 * file holds the contract, the frame-to-hash loop, the match rule and the container sniffing.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { DomainError, type FieldProblem } from '../errors';
import { hammingWords, hexToWords } from '../hashes';
import { bytesToHex, isHex } from '../hex';
import { HEIF_IMAGE_BRANDS } from '../media';
import { pdqFromRgba } from '../pdq';

export interface VideoFrameHash {
  /** Frame number in decode order, counted from 0 over every frame of the stream (sampled or not). */
  index: number;
  /** Seconds: index / frame rate, rounded to milliseconds (vPDQ's definition and precision). */
  timestamp: number;
  /** PDQ, 64 lowercase hex digits. */
  hash: string;
  /** PDQ quality 0..100. */
  quality: number;
}

export interface VideoHashes {
  frames: VideoFrameHash[];
  durationSeconds: number;
  width: number;
  height: number;
  /** Container, as sniffed: mp4, mov, webm, mkv, avi, ... */
  format: string;
}

export interface VideoDecodeOptions {
  /**
   * Hash frame numbers 0, k, 2k, ... with k = floor(secondsPerFrame * frame rate) (at least 1), as
   * vPDQ's `secondsPerHash` does. 1 is the node's default; 0 hashes every frame.
   */
  secondsPerFrame: number;
  /** More sampled frames than this and decoding stops with `unprocessable`. */
  maxFrames: number;
  /** A longer video (declared or decoded) is refused with `unprocessable`. */
  maxDurationSeconds: number;
  /** Wall-clock budget for probing and decoding together; past it the decoder is killed. */
  timeoutMs: number;
}

export interface VideoInfo {
  format: string;
  width: number;
  height: number;
  /** Frames per second (the stream's average rate, else its base rate). */
  frameRate: number;
  /** 0 when the container does not say. */
  durationSeconds: number;
}

export interface VideoFrame {
  index: number;
  timestamp: number;
  width: number;
  height: number;
  /** width * height * 4 bytes, row-major RGBA, alpha 255. */
  rgba: Uint8Array;
}

export interface OpenedVideo {
  info: VideoInfo;
  /**
   * The sampled frames, in order. Decoding starts when iteration starts and its process ends when
   * iteration ends, however it ends (a `break` included). Iterate at most once.
   */
  frames(): AsyncIterable<VideoFrame>;
}

export interface VideoDecoder {
  /**
   * Probes the video. Throws DomainError: `unsupported_media_type` (not a container we read),
   * `corrupt_media` (corrupt or truncated), `undecodable_media` (no video stream, absurd
   * dimensions or frame rate), `unprocessable` (over a limit, or the timeout), `video_unavailable`
   * (no decoder on this node). Messages are the node's own words; the decoder's text travels as the
   * error's cause, for the log.
   */
  open(bytes: Uint8Array, opts: VideoDecodeOptions): Promise<OpenedVideo>;
  /** Whether videos can be decoded here, and the decoder's version or why not (GET /health). */
  status(): Promise<{ available: boolean; detail: string }>;
}

/** A decoder for runtimes without one (Workers): every call says why, images keep working. */
export class UnavailableVideoDecoder implements VideoDecoder {
  constructor(private readonly reason = 'this node cannot decode video') {}

  async open(): Promise<OpenedVideo> {
    throw new DomainError('video_unavailable', this.reason);
  }

  async status(): Promise<{ available: boolean; detail: string }> {
    return { available: false, detail: this.reason };
  }
}

/** Decodes, hashes every sampled frame with PDQ and returns the vPDQ feature list. */
export async function hashVideo(decoder: VideoDecoder, bytes: Uint8Array, opts: VideoDecodeOptions): Promise<VideoHashes> {
  const video = await decoder.open(bytes, opts);
  const frames: VideoFrameHash[] = [];
  for await (const f of video.frames()) {
    const { hash, quality } = pdqFromRgba(f.rgba, f.width, f.height);
    frames.push({ index: f.index, timestamp: f.timestamp, hash, quality });
  }
  if (!frames.length) throw new DomainError('corrupt_media', `no frame of the ${video.info.format} video could be decoded: it is corrupt or truncated`);
  const { format, width, height, durationSeconds } = video.info;
  return { frames, durationSeconds, width, height, format };
}

// ---------------------------------------------------------------------------------------------
// The stored form

/**
 * The frame list as vPDQ's tools write it: `frame,quality,hash,timestamp` with the timestamp to three
 * decimals, one line per frame, each ending in a newline (the format of vpdq/sample-hashes/*.txt).
 */
export function vpdqText(frames: readonly VideoFrameHash[]): string {
  return frames.map((f) => `${f.index},${f.quality},${f.hash},${f.timestamp.toFixed(3)}\n`).join('');
}

/** The frames of a text in `vpdqText`'s format (blank lines ignored); the inverse of `vpdqText`. */
export function parseVpdqText(text: string): VideoFrameHash[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [index, quality, hash, timestamp] = line.trim().split(',');
      return { index: Number(index), quality: Number(quality), hash, timestamp: Number(timestamp) };
    });
}

/**
 * A vpdq hash's value: SHA-256 (hex) of `vpdqText`. It names the frame list in one string (the key
 * of a share, what the audit log records), and anyone holding the frames can recompute it.
 */
export function vpdqDigest(frames: readonly VideoFrameHash[]): string {
  return bytesToHex(sha256(new TextEncoder().encode(vpdqText(frames))));
}

/**
 * For each frame, whether matching uses it: quality at least `minQuality` and the first frame with
 * its hash (python-threatexchange filters and dedupes the same way before comparing).
 */
export function usableFrameMask(frames: readonly { hash: string; quality: number }[], minQuality = VPDQ_DEFAULTS.qualityThreshold): boolean[] {
  const seen = new Set<string>();
  return frames.map((f) => {
    if (f.quality < minQuality || seen.has(f.hash)) return false;
    seen.add(f.hash);
    return true;
  });
}

/**
 * Checks a frame list sent as JSON: frame numbers whole and strictly increasing, timestamps
 * non-negative and non-decreasing, PDQ hashes of 64 hex digits, qualities 0-100. Returns the frames
 * with hashes in lowercase, or the problems.
 */
/** Bounds of a frame sent as JSON: frame numbers fit 31 bits, timestamps (stored in ms) about 115 days. */
export const MAX_FRAME_INDEX = 2 ** 31 - 1;
export const MAX_FRAME_TIMESTAMP = 1e7;

export function checkVideoFrames(frames: unknown, path: string, maxFrames: number): { frames: VideoFrameHash[] } | { problems: FieldProblem[] } {
  if (!Array.isArray(frames) || frames.length === 0) return { problems: [{ path, message: 'a vpdq hash needs a non-empty array of frames' }] };
  if (frames.length > maxFrames) return { problems: [{ path, message: `${frames.length} frames; at most ${maxFrames} are accepted` }] };
  const problems: FieldProblem[] = [];
  const out: VideoFrameHash[] = [];
  frames.forEach((raw: unknown, i) => {
    const at = `${path}/${i}`;
    const f = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const prev = out[i - 1];
    if (!Number.isInteger(f.index) || (f.index as number) < 0 || (f.index as number) > MAX_FRAME_INDEX) problems.push({ path: `${at}/index`, message: `must be a whole number from 0 to ${MAX_FRAME_INDEX}` });
    else if (prev && (f.index as number) <= prev.index) problems.push({ path: `${at}/index`, message: 'frame numbers must increase' });
    if (typeof f.timestamp !== 'number' || !Number.isFinite(f.timestamp) || f.timestamp < 0 || f.timestamp > MAX_FRAME_TIMESTAMP) problems.push({ path: `${at}/timestamp`, message: `must be seconds from 0 to ${MAX_FRAME_TIMESTAMP}` });
    else if (prev && f.timestamp < prev.timestamp) problems.push({ path: `${at}/timestamp`, message: 'timestamps must not decrease' });
    if (typeof f.hash !== 'string' || f.hash.length !== 64 || !isHex(f.hash)) problems.push({ path: `${at}/hash`, message: 'must be a PDQ hash: 64 hex digits' });
    if (!Number.isInteger(f.quality) || (f.quality as number) < 0 || (f.quality as number) > 100) problems.push({ path: `${at}/quality`, message: 'must be a whole number from 0 to 100' });
    out.push({ index: Number(f.index), timestamp: Math.round(Number(f.timestamp) * 1000) / 1000, hash: String(f.hash).toLowerCase(), quality: Number(f.quality) });
  });
  return problems.length ? { problems } : { frames: out };
}

// ---------------------------------------------------------------------------------------------
// Matching

export interface VpdqMatchOptions {
  /** Two frames match when their PDQ distance is <= this. */
  distance?: number;
  /** Frames of lower quality are ignored on both sides. */
  qualityThreshold?: number;
  /** Share (%) of the query's usable frames that must match some candidate frame. */
  queryMatchPercent?: number;
  /** Share (%) of the candidate's usable frames that must match some query frame (HMA: 0). */
  candidateMatchPercent?: number;
}

export interface VpdqMatchResult {
  queryMatchPercent: number;
  candidateMatchPercent: number;
  matched: boolean;
}

export const VPDQ_DEFAULTS = { distance: 31, qualityThreshold: 50, queryMatchPercent: 80, candidateMatchPercent: 0 } as const;

/**
 * vPDQ's comparison as python-threatexchange (HMA) runs it: drop frames under the quality
 * threshold, keep one frame per distinct hash, then count the query frames within `distance` of
 * some candidate frame and the other way round. Frame order and timestamps play no part, so a
 * clip matches the longer video it was cut from (query side), but not the reverse unless
 * `candidateMatchPercent` asks for it. When either side has no usable frame both shares are 0.
 * (The C++ `matchTwoHashBrute` differs in two details: it keeps duplicates and uses `< distance`.)
 */
export function vpdqMatch(query: readonly VideoFrameHash[], candidate: readonly VideoFrameHash[], opts: VpdqMatchOptions = {}): VpdqMatchResult {
  const o = { ...VPDQ_DEFAULTS, ...opts };
  const q = packHashes(dedupeFrameHashes(query.filter((f) => f.quality >= o.qualityThreshold)));
  const c = packHashes(dedupeFrameHashes(candidate.filter((f) => f.quality >= o.qualityThreshold)));
  if (q.count === 0 || c.count === 0) return { queryMatchPercent: 0, candidateMatchPercent: 0, matched: false };
  const queryMatchPercent = (countMatched(q, c, o.distance) * 100) / q.count;
  const candidateMatchPercent = (countMatched(c, q, o.distance) * 100) / c.count;
  return { queryMatchPercent, candidateMatchPercent, matched: queryMatchPercent >= o.queryMatchPercent && candidateMatchPercent >= o.candidateMatchPercent };
}

/**
 * One frame per distinct hash, the first seen (python-threatexchange's `dedupe`: every repeat,
 * not only consecutive ones). A still scene then weighs as one frame in the match shares.
 */
export function dedupeFrameHashes<T extends { hash: string }>(frames: readonly T[]): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const f of frames) {
    const h = f.hash.toLowerCase();
    if (!seen.has(h)) {
      seen.add(h);
      out.push(f);
    }
  }
  return out;
}

interface Packed {
  count: number;
  words: Uint32Array;
}

function packHashes(frames: readonly VideoFrameHash[]): Packed {
  const words = new Uint32Array(frames.length * 8);
  frames.forEach((f, i) => hexToWords(f.hash, words.subarray(i * 8, i * 8 + 8)));
  return { count: frames.length, words };
}

/** How many of a's hashes lie within `distance` of at least one of b's. */
function countMatched(a: Packed, b: Packed, distance: number): number {
  let n = 0;
  for (let i = 0; i < a.count; i++) {
    for (let j = 0; j < b.count; j++) {
      if (hammingWords(a.words, i * 8, b.words, j * 8, 8) <= distance) {
        n++;
        break;
      }
    }
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Container sniffing

/** Video containers recognised from their first bytes; the name of each decides the demuxer. */
export type VideoContainer = 'mp4' | 'mov' | '3gp' | 'webm' | 'mkv' | 'avi' | 'flv' | 'asf' | 'mpegts' | 'mpeg' | 'ogg';

// ISO-BMFF brands that are still images (HEIF, AVIF, their sequences): the image decoder's.
// Top-level QuickTime atoms a .mov may open with when it has no `ftyp`.
const QT_ATOMS = new Set(['moov', 'mdat', 'wide', 'free', 'skip', 'pnot']);

/** The container of `bytes`, or null when it is not a video container this node reads. */
export function sniffVideoContainer(bytes: Uint8Array): VideoContainer | null {
  if (bytes.length < 12) return null;
  const ascii = (at: number, n: number) => String.fromCharCode(...bytes.subarray(at, at + n));
  const type = ascii(4, 4);
  if (type === 'ftyp') {
    const major = ascii(8, 4);
    if (HEIF_IMAGE_BRANDS.has(major)) return null;
    if (major === 'qt  ') return 'mov';
    if (major.startsWith('3g')) return '3gp';
    return 'mp4';
  }
  if (QT_ATOMS.has(type) && bytes[0] === 0) return 'mov';
  if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) {
    // EBML header: the DocType element (0x42 0x82) says webm or matroska.
    const head = ascii(4, Math.min(60, bytes.length - 4));
    return head.includes('webm') ? 'webm' : 'mkv';
  }
  if (ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'AVI ') return 'avi';
  if (ascii(0, 3) === 'FLV' && bytes[3] === 1) return 'flv';
  if ([0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11].every((b, i) => bytes[i] === b)) return 'asf';
  if (bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 1 && bytes[3] === 0xba) return 'mpeg';
  if (bytes[0] === 0x47 && bytes.length > 376 && bytes[188] === 0x47 && bytes[376] === 0x47) return 'mpegts';
  if (ascii(0, 4) === 'OggS') return 'ogg';
  return null;
}

export function isVideo(bytes: Uint8Array): boolean {
  return sniffVideoContainer(bytes) !== null;
}
