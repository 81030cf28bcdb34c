/**
 * A hash pool thread (pool.ts; bundled as dist/hash-thread.js): builds the WebAssembly kernels once,
 * then runs the jobs piscina hands it. `pixels`: a named task of core/pixel-tasks on pixels whose
 * buffer was transferred here; `digests`: the exact hashes of an upload's bytes (a copy sent here);
 * `image`: an upload decoded here by sharp (libvips' threads), then its digests and pixel hashes, so
 * its pixels never cross to the main thread. Nothing is kept between jobs, and nothing is written
 * anywhere.
 */
import { workerData } from 'node:worker_threads';
import { DomainError } from '../../../core/errors';
import type { FileDigests } from '../../../core/hashes';
import { buildHashKernels } from '../../../core/kernels';
import { isPixelTaskName, runPixelTask } from '../../../core/pixel-tasks';
import { fileDigests } from '../digest';
import { SharpImageDecoder } from '../image';
import type { DigestJob, ImageJob, ImageJobResult, PixelJob, ThreadData } from './jobs';

const data: ThreadData = workerData;
// The main thread built the same kernels first, so a failure here is unlikely; if it happens, it is
// treated as there (production: that hash in TypeScript; otherwise the thread fails and says why).
const kernels = buildHashKernels({ onFailure: data.kernelFallback ? () => undefined : undefined });

export function pixels(job: PixelJob) {
  if (!isPixelTaskName(job.name)) throw new Error(`unknown pixel task ${JSON.stringify(job.name)}`);
  return runPixelTask(job.name, job.pixels, kernels, job.opts);
}

export function digests(job: DigestJob): FileDigests {
  return fileDigests(job.bytes);
}

// The pixels stay in this thread: hashed in sharp's own buffer, no copy.
const decoders = new Map<number, SharpImageDecoder>();
const decoderFor = (maxPixels: number): SharpImageDecoder => {
  let d = decoders.get(maxPixels);
  if (!d) decoders.set(maxPixels, (d = new SharpImageDecoder({ maxPixels, movable: false })));
  return d;
};

export async function image(job: ImageJob): Promise<ImageJobResult> {
  let img: Awaited<ReturnType<SharpImageDecoder['decode']>>;
  // The digests while libvips decodes (this thread would only wait), then the pixel hashes.
  const decoding = decoderFor(job.maxPixels).decode(job.bytes);
  const digests = fileDigests(job.bytes);
  try {
    img = await decoding;
  } catch (e) {
    if (e instanceof DomainError) {
      const cause = e.cause instanceof Error ? e.cause.message : e.cause === undefined ? undefined : String(e.cause);
      return { ok: false, code: e.code, message: e.message, extra: e.extra, cause };
    }
    throw e;
  }
  const hashes = runPixelTask('imageHashes', { rgba: img.rgba, width: img.width, height: img.height }, kernels, job.opts);
  return { ok: true, media: { width: img.width, height: img.height, format: img.format }, hashes, digests };
}
