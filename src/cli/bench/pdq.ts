/**
 * Benchmark of hashing one 1080p JPEG, step by step, on one core: the decode (sharp, as the node
 * decodes: no ICC, no rotation, 8-bit RGBA), then each hash of the decoded pixels or the bytes.
 *
 * The JPEG is synthesised in memory (smooth colour fields, edges and fine texture, so it compresses
 * and decodes like a photograph rather than like noise or a flat fill); nothing is read from disk.
 */
import { createHash } from 'node:crypto';
import { cpus } from 'node:os';
import { blockhash } from '../../core/blockhash';
import type { DecodedImage } from '../../core/media';
import { pdqDihedralFromRgba, pdqFromRgba } from '../../core/pdq';
import { buildHashKernels } from '../../core/kernels';
import { SharpImageDecoder } from '../../runtime/node/image';
import { syntheticJpeg } from './synthetic';
import type { BenchTable } from './types';

export type { BenchTable };

const WIDTH = 1920;
const HEIGHT = 1080;

export async function run(opts: { quick?: boolean } = {}): Promise<BenchTable> {
  const runs = opts.quick ? 5 : 30;
  const jpeg = await syntheticJpeg(WIDTH, HEIGHT);
  const decoder = new SharpImageDecoder({ maxPixels: 50_000_000 });
  let img: DecodedImage = await decoder.decode(jpeg);
  const kernels = buildHashKernels();

  const steps: [string, () => unknown][] = [
    ['decode (sharp -> RGBA)', async () => (img = await decoder.decode(jpeg))],
    ['pdq', () => pdqFromRgba(img.rgba, img.width, img.height, kernels.pdq)],
    ['pdq + 7 dihedral variants', () => pdqDihedralFromRgba(img.rgba, img.width, img.height, kernels.pdq)],
    ['pdq, TypeScript path', () => pdqFromRgba(img.rgba, img.width, img.height, null)],
    ['blockhash 16x16', () => blockhash(img, kernels.blockhash)],
    ['md5 of the bytes', () => createHash('md5').update(jpeg).digest('hex')],
    ['sha256 of the bytes', () => createHash('sha256').update(jpeg).digest('hex')],
  ];

  const rows: (string | number)[][] = [];
  for (const [name, fn] of steps) {
    for (let i = 0; i < 2; i++) await fn(); // warm-up: JIT, sharp's thread pool
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await fn();
      ms.push(performance.now() - t);
    }
    ms.sort((a, b) => a - b);
    const p50 = ms[ms.length >> 1];
    rows.push([name, runs, round(p50), round(ms[0]), round(ms[ms.length - 1]), Math.round(1000 / p50)]);
  }

  return {
    title: `Hashing one ${WIDTH}x${HEIGHT} JPEG`,
    columns: ['step', 'runs', 'p50 ms', 'min ms', 'max ms', 'per second (p50)'],
    rows,
    notes: [
      `JPEG: ${jpeg.byteLength} bytes, synthesised, quality 85, 4:2:0; decoded ${img.width}x${img.height} RGBA.`,
      'Steps run one after another on one thread (sharp decodes on its own worker thread, awaited).',
      'pdq runs its downsampling as WebAssembly SIMD (native binary32, bit-exact with HMA); the TypeScript path emulates binary32 with Math.fround.',
      `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    ],
  };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
