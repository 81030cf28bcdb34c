/**
 * The hash pool (Node): an image upload's decode (sharp), its PDQ, blockhash, variants and robust
 * regions and its digests run in worker threads, so the main thread only routes requests and
 * matches. A pool of a fixed number of threads (HASH_THREADS, default the core count), each with its
 * own WebAssembly kernels built once. piscina (a maintained pool, Node 20+) queues the jobs and
 * replaces a thread that dies.
 *
 * An upload's bytes, which the caller keeps, cross as one copy (`images`, `digests`); pixels decoded
 * elsewhere (`pixels`) cross as a transferred ArrayBuffer (moved, not copied: the caller's array is
 * empty afterwards). Nothing touches the disk.
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { Digester, FileDigests } from '../../../core/hashes';
import { DomainError } from '../../../core/errors';
import type { EncodedImageWorker, Pixels, PixelWorker } from '../../../core/pixel-tasks';
import type { DigestJob, ImageJob, ImageJobResult, PixelJob, ThreadData } from './jobs';

export interface HashPoolOptions {
  threads: number;
  /** A kernel that does not build in a thread runs in TypeScript there (production) instead of failing. */
  kernelFallback?: boolean;
  /** Added to the threads' nice value (Linux: per thread), so the main thread's routing and matching come first; default 0. */
  niceIncrement?: number;
}

export class HashPool {
  // Results are typed by the job's task: the threads run the same registry (core/pixel-tasks).
  private readonly pool: Piscina<PixelJob | DigestJob | ImageJob>;

  constructor(readonly opts: HashPoolOptions) {
    if (!Number.isInteger(opts.threads) || opts.threads < 1) throw new RangeError(`a hash pool needs at least one thread, got ${opts.threads}`);
    const workerData: ThreadData = { kernelFallback: opts.kernelFallback === true };
    this.pool = new Piscina({
      // From the sources, a boot file registers tsx in the thread; the bundle has the thread's JavaScript beside it.
      filename: fileURLToPath(new URL(process.env.MHN_BUNDLED ? './hash-thread.js' : './thread-boot.mjs', import.meta.url)),
      // Started by the first jobs (a node that hashes no image, a test app, pays for none, and the
      // start-up's index load has both cores), then kept: each built its kernels once.
      minThreads: 0,
      maxThreads: opts.threads,
      idleTimeout: Number.POSITIVE_INFINITY,
      // Through piscina's optional @napi-rs/nice; without it the threads keep the process's priority.
      niceIncrement: opts.niceIncrement ?? 0,
      workerData,
    });
  }

  /** The pixel tasks, in the pool's threads. */
  readonly pixels: PixelWorker = {
    run: async (name, pixels, opts) => {
      const moved = movable(pixels);
      const job: PixelJob<typeof name> = { name, pixels: moved.pixels, opts };
      return this.pool.run(job, { name: 'pixels', transferList: [moved.buffer] });
    },
  };

  /** md5 and sha256 of an upload, in one job (one copy of the bytes, one message each way). */
  readonly digests: Digester = {
    digest: async (bytes) => {
      const copy = new Uint8Array(bytes);
      const out = await this.pool.run({ bytes: copy } satisfies DigestJob, { name: 'digests', transferList: [copy.buffer] });
      if (!isFileDigests(out)) throw new Error('the hash pool answered a digest job with something else');
      return out;
    },
  };

  /**
   * Uploads decoded and hashed in one job each (images of at most maxPixels): the bytes go to a
   * thread as one copy, sharp decodes there and the pixels are hashed where they are, so no image's
   * pixels are copied or held by the main thread. The decoder's DomainErrors are thrown here.
   */
  images(maxPixels: number): EncodedImageWorker {
    return {
      hash: async (bytes, opts) => {
        const copy = new Uint8Array(bytes);
        const job: ImageJob = { bytes: copy, maxPixels, opts };
        const out: ImageJobResult = await this.pool.run(job, { name: 'image', transferList: [copy.buffer] });
        if (!out.ok) throw new DomainError(out.code, out.message, { extra: out.extra, cause: out.cause === undefined ? undefined : new Error(out.cause) });
        return { media: out.media, hashes: out.hashes, digests: out.digests };
      },
    };
  }

  /** Threads running and jobs waiting for one, for metrics and the bench. */
  load(): { threads: number; queued: number; utilization: number } {
    return { threads: this.pool.threads.length, queued: this.pool.queueSize, utilization: this.pool.utilization };
  }

  /** Stops the threads (jobs still queued fail). */
  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

function isFileDigests(x: unknown): x is FileDigests {
  return typeof x === 'object' && x !== null && 'md5' in x && 'sha256' in x && typeof x.md5 === 'string' && typeof x.sha256 === 'string';
}

/**
 * The pixels with a buffer of their own, which can be moved to a thread: the decoder's array
 * usually is one; a view into a larger buffer (or one Node will not let go, such as its small-buffer
 * pool) is copied once.
 */
function movable(p: Pixels): { pixels: Pixels; buffer: ArrayBuffer } {
  const { buffer, byteOffset, byteLength } = p.rgba;
  if (buffer instanceof ArrayBuffer && byteOffset === 0 && byteLength === buffer.byteLength) return { pixels: p, buffer };
  const rgba = p.rgba.slice();
  return { pixels: { ...p, rgba }, buffer: rgba.buffer };
}
