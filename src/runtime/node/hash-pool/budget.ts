/**
 * The memory image work may take above the idle process, at most, whatever the load (README,
 * "Images under load"). Each place among the image slots (running or queued) holds one body, which
 * the HTTP adapter may hold twice while it gathers it; each running slot also holds the copy of
 * the body sent to a thread (counted twice, as when each digest had its own) and the decoded pixels
 * (4 bytes a pixel) several times over: libvips' output and the buffers of the images before it
 * that are free but not yet collected (sharp's are invisible to V8's collector until it runs for
 * other reasons). Measured on a real process (test/runtime/image-load.test.ts): up to about 6 times
 * the RGBA size a slot when the main thread decoded and moved a copy of the pixels to a thread, so
 * 24 bytes a pixel are counted; the threads now decode, without that copy, and the terms stay.
 * Each pool thread has its own heap and kernels. Bodies of requests refused with busy are never read
 * (http/route.ts).
 */
export interface ImageBudgetInput {
  concurrency: number;
  queue: number;
  maxBodyBytes: number;
  maxImagePixels: number;
  threads: number;
}

/** A pool thread's own memory: its V8 heap, the kernels' WebAssembly memory, piscina's bookkeeping. */
export const THREAD_BYTES = 48 * 2 ** 20;

/** Bytes a pixel of the largest image may take in a running slot (see above). */
export const BYTES_PER_PIXEL = 24;

export function imageMemoryBudget(s: ImageBudgetInput): { bytes: number; bodies: number; pixels: number; threads: number } {
  const bodies = (s.concurrency + s.queue) * 2 * s.maxBodyBytes + s.concurrency * 2 * s.maxBodyBytes;
  const pixels = s.concurrency * BYTES_PER_PIXEL * s.maxImagePixels;
  const threads = s.threads * THREAD_BYTES;
  return { bytes: bodies + pixels + threads, bodies, pixels, threads };
}
