/** The messages between the hash pool (pool.ts) and its threads (thread.ts). */
import type { ErrorCode } from '../../../core/errors';
import type { EncodedImageHashes, PixelTaskName, PixelTaskOptions, Pixels } from '../../../core/pixel-tasks';

export interface ThreadData {
  /** A kernel that does not build runs in TypeScript (production) rather than failing the thread. */
  kernelFallback: boolean;
}

export interface PixelJob<N extends PixelTaskName = PixelTaskName> {
  name: N;
  pixels: Pixels;
  opts: PixelTaskOptions<N>;
}

/** md5 and sha256 of the bytes (a copy, moved to the thread). */
export interface DigestJob {
  bytes: Uint8Array;
}

/** An upload to decode (at most maxPixels) and hash in the thread: the bytes are a copy, moved there. */
export interface ImageJob {
  bytes: Uint8Array;
  maxPixels: number;
  opts: PixelTaskOptions<'imageHashes'>;
}

/**
 * The hashes, or the decoder's DomainError as plain data (an Error loses its fields between
 * threads), with its cause's message (the decoder's own words, which go to the log only).
 */
export type ImageJobResult =
  | ({ ok: true } & EncodedImageHashes)
  | { ok: false; code: ErrorCode; message: string; extra?: Record<string, unknown>; cause?: string };
