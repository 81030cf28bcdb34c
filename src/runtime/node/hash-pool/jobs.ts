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

export interface DigestJob {
  algorithm: 'md5' | 'sha256';
  bytes: Uint8Array;
}
