/**
 * The decoder contract (a runtime's business: ffmpeg on Node, none on Workers) and the loop that
 * turns its frames into the vPDQ feature list: PDQ of each sampled frame, with its frame number,
 * quality and timestamp.
 */
import { DomainError, throwIfCancelled } from '../errors';
import { pdqFromRgba, type PdqKernels } from '../pdq';

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
  /** The call's own (the request's): aborted when its client has gone, which kills the decoder and ends with `cancelled`. */
  signal?: AbortSignal;
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

/** Decodes, hashes every sampled frame with PDQ (with the kernels given, or null) and returns the vPDQ feature list. */
export async function hashVideo(decoder: VideoDecoder, bytes: Uint8Array, opts: VideoDecodeOptions, kernels: PdqKernels | null): Promise<VideoHashes> {
  const video = await decoder.open(bytes, opts);
  throwIfCancelled(opts.signal);
  const frames: VideoFrameHash[] = [];
  for await (const f of video.frames()) {
    throwIfCancelled(opts.signal);
    const { hash, quality } = pdqFromRgba(f.rgba, f.width, f.height, kernels);
    frames.push({ index: f.index, timestamp: f.timestamp, hash, quality });
  }
  if (!frames.length) throw new DomainError('corrupt_media', `no frame of the ${video.info.format} video could be decoded: it is corrupt or truncated`);
  const { format, width, height, durationSeconds } = video.info;
  return { frames, durationSeconds, width, height, format };
}
