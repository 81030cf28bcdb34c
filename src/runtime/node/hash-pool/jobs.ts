/** The messages between the hash pool (pool.ts) and its threads (thread.ts). */
import type { PixelTaskName, PixelTaskOptions, Pixels } from '../../../core/pixel-tasks';

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
