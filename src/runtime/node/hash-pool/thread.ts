/**
 * A hash pool thread (pool.ts; bundled as dist/hash-thread.js): builds the WebAssembly kernels once,
 * then runs the jobs piscina hands it. `pixels`: a named task of core/pixel-tasks on pixels whose
 * buffer was transferred here; `digests`: the exact hashes of an upload's bytes (a copy sent here).
 * Nothing is kept between jobs, and nothing is written anywhere.
 */
import { createHash } from 'node:crypto';
import { workerData } from 'node:worker_threads';
import type { FileDigests } from '../../../core/hashes';
import { buildHashKernels } from '../../../core/kernels';
import { isPixelTaskName, runPixelTask } from '../../../core/pixel-tasks';
import type { DigestJob, PixelJob, ThreadData } from './jobs';

const data: ThreadData = workerData;
// The main thread built the same kernels first, so a failure here is unlikely; if it happens, it is
// treated as there (production: that hash in TypeScript; otherwise the thread fails and says why).
const kernels = buildHashKernels({ onFailure: data.kernelFallback ? () => undefined : undefined });

export function pixels(job: PixelJob) {
  if (!isPixelTaskName(job.name)) throw new Error(`unknown pixel task ${JSON.stringify(job.name)}`);
  return runPixelTask(job.name, job.pixels, kernels, job.opts);
}

export function digests(job: DigestJob): FileDigests {
  return { md5: createHash('md5').update(job.bytes).digest('hex'), sha256: createHash('sha256').update(job.bytes).digest('hex') };
}
