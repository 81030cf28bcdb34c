/**
 * The memory image work may take above the idle process, at most, whatever the load (README,
 * "Images under load"). Each place among the image slots (running or queued) holds one body, which
 * the HTTP adapter may hold twice while it gathers it; each running slot also holds the digests'
 * copies of the body and the decoded pixels (4 bytes a pixel), counted twice for the decoder's own
 * buffers and a copy when they cannot be moved; each pool thread has its own heap and kernels.
 * Bodies of requests refused with busy are never read (http/route.ts).
 */
export interface ImageBudgetInput {
  concurrency: number;
  queue: number;
  maxBodyBytes: number;
  maxImagePixels: number;
  threads: number;
}

/** A pool thread's own memory: its V8 heap, the kernels' WebAssembly memory, piscina's bookkeeping. */
export const THREAD_BYTES = 32 * 2 ** 20;

export function imageMemoryBudget(s: ImageBudgetInput): { bytes: number; bodies: number; pixels: number; threads: number } {
  const bodies = (s.concurrency + s.queue) * 2 * s.maxBodyBytes + s.concurrency * 2 * s.maxBodyBytes;
  const pixels = s.concurrency * 2 * 4 * s.maxImagePixels;
  const threads = s.threads * THREAD_BYTES;
  return { bytes: bodies + pixels + threads, bodies, pixels, threads };
}
