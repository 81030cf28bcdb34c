/**
 * The pixel tasks room: the work done on an image's decoded pixels, as named tasks of one shape,
 * `(pixels, kernels, options) => result`, so that a runtime may run them where it likes: in the
 * calling thread (`inThread` below: Workers, the client CLI, a node with HASH_THREADS=0) or in a pool
 * of worker threads (Node: runtime/node/hash-pool), which builds the kernels once per thread and looks
 * the task up here by its name. Adding a task is one entry in `PIXEL_TASKS`; its options and result
 * must survive structured cloning (plain data), as they cross threads.
 *
 * The pixels are handed over: a pool transfers their buffer to its thread (no copy), so the caller's
 * array is empty afterwards and must not be read again.
 */
import {
  blockhash,
  BLOCKHASH_BITS_PER_SIDE,
  blockhashDihedralFromRgba,
  blockhashDihedralFromValues,
  blockhashFromValues,
  blockhashSupports,
  blockhashValues,
} from '../blockhash';
import type { FileDigests } from '../hashes';
import type { HashKernels } from '../kernels';
import type { DecodedImage } from '../media';
import { pdqDihedralFromRgba, pdqFromRgba, type PdqDihedralVariant } from '../pdq';
import { blockhashQualityOf, enrolmentVariants, queryVariants, type RobustHash } from '../robust';

/** Decoded 8-bit RGBA pixels, row by row. */
export interface Pixels {
  rgba: Uint8Array;
  width: number;
  height: number;
}

export interface DihedralHash {
  variant: PdqDihedralVariant;
  hash: string;
}

/** Which robust regions (issue 14, core/robust): a share stores its crops too (`enrol`); a query adds only its own regions (`query`). */
export type RobustRole = 'enrol' | 'query';

/** An image's perceptual hashes; with `dihedral`, those of its 8 rotations and mirrors too (identity first); with `robust`, its regions' hashes and the whole image's blockhash quality. */
export interface ImagePixelHashes {
  pdq: { hash: string; quality: number };
  blockhash: string;
  variants?: { pdq: DihedralHash[]; blockhash: DihedralHash[] };
  robust?: { blockhashQuality: number; regions: RobustHash[] };
}

function imageHashes(p: Pixels, kernels: HashKernels, opts: { dihedral: boolean; robust?: RobustRole }): ImagePixelHashes {
  // blockhash's block values once: the hash, its rotations and mirrors, and its quality all read them.
  const values = blockhashSupports(p.width, p.height, BLOCKHASH_BITS_PER_SIDE) ? blockhashValues(p.rgba, p.width, p.height, kernels.blockhash) : null;
  const out = opts.dihedral ? dihedralHashes(p, kernels, values) : plainHashes(p, kernels, values);
  if (opts.robust) {
    const regions = opts.robust === 'enrol' ? enrolmentVariants(p.rgba, p.width, p.height, kernels) : queryVariants(p.rgba, p.width, p.height, kernels);
    out.robust = { blockhashQuality: values ? blockhashQualityOf(values) : 0, regions };
  }
  return out;
}

/** blockhash from its block values, or (an image under 16 pixels a side) from blockhash-core. */
const blockhashOf = (p: Pixels, kernels: HashKernels, values: Float64Array | null): string =>
  values ? blockhashFromValues(values, p.width, p.height) : blockhash({ ...p, format: 'raw' }, kernels.blockhash);

function plainHashes(p: Pixels, kernels: HashKernels, values: Float64Array | null): ImagePixelHashes {
  const { hash, quality } = pdqFromRgba(p.rgba, p.width, p.height, kernels.pdq);
  return { pdq: { hash, quality }, blockhash: blockhashOf(p, kernels, values) };
}

function dihedralHashes(p: Pixels, kernels: HashKernels, values: Float64Array | null): ImagePixelHashes {
  // PDQ: all 8 from one DCT. blockhash: from one pass over the pixels (its block values are exact,
  // so a rotation or mirror only reorders them).
  const d = pdqDihedralFromRgba(p.rgba, p.width, p.height, kernels.pdq);
  return {
    pdq: { hash: d.hashes[0].hash, quality: d.quality },
    blockhash: blockhashOf(p, kernels, values),
    variants: {
      pdq: d.hashes.map((h) => ({ variant: h.variant, hash: h.hash })),
      blockhash: values ? blockhashDihedralFromValues(values, p.width, p.height) : blockhashDihedralFromRgba(p.rgba, p.width, p.height, kernels.blockhash),
    },
  };
}

/** Every task by its name: adding one is one line here. */
const TASKS = {
  imageHashes,
};

type Tasks = typeof TASKS;
export type PixelTaskName = keyof Tasks;
export type PixelTaskOptions<N extends PixelTaskName> = Parameters<Tasks[N]>[2];
export type PixelTaskResult<N extends PixelTaskName> = ReturnType<Tasks[N]>;
type PixelTask<N extends PixelTaskName> = (p: Pixels, kernels: HashKernels, opts: PixelTaskOptions<N>) => PixelTaskResult<N>;

export const PIXEL_TASKS: { readonly [N in PixelTaskName]: PixelTask<N> } = TASKS;

/** An upload decoded and hashed in one job: the image's facts, its pixel hashes and the bytes' digests. */
export interface EncodedImageHashes {
  /** What the decoder found: the image's size and format. */
  media: Omit<DecodedImage, 'rgba'>;
  hashes: ImagePixelHashes;
  digests: FileDigests;
}

/**
 * Where an upload can be decoded and hashed in one go (Node's hash pool: the bytes go to a thread,
 * which decodes, hashes and digests them there, so the pixels never reach the calling thread). It
 * throws the decoder's DomainErrors as the decoder would.
 */
export interface EncodedImageWorker {
  hash(bytes: Uint8Array, opts: PixelTaskOptions<'imageHashes'>): Promise<EncodedImageHashes>;
}

/** Where pixel tasks run: see the room's note. */
export interface PixelWorker {
  run<N extends PixelTaskName>(name: N, pixels: Pixels, opts: PixelTaskOptions<N>): Promise<PixelTaskResult<N>>;
}

export function isPixelTaskName(name: string): name is PixelTaskName {
  return Object.hasOwn(PIXEL_TASKS, name);
}

/** Runs a task by name, synchronously, with the kernels given (what a pool's thread does with each job). */
export function runPixelTask<N extends PixelTaskName>(name: N, pixels: Pixels, kernels: HashKernels, opts: PixelTaskOptions<N>): PixelTaskResult<N> {
  const task: PixelTask<N> = PIXEL_TASKS[name];
  return task(pixels, kernels, opts);
}

/** The tasks in the calling thread. */
export function inThread(kernels: HashKernels): PixelWorker {
  return { run: async (name, pixels, opts) => runPixelTask(name, pixels, kernels, opts) };
}
