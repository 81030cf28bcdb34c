/**
 * Benchmark of blockhash (16x16, method 2) on decoded RGBA, one thread: blockhash-core (the
 * reference), the node's implementation (src/core/blockhash/) through its WebAssembly kernel and
 * through its TypeScript path (what Workers run), and PDQ on the same pixels for comparison; then
 * the 8 rotations and mirrors, as the hashing service computes them today (transform the pixels,
 * hash each) and from one pass.
 *
 *   npx tsx src/cli/bench/blockhash.ts [--quick]
 *
 * The images are synthesised JPEGs (colour fields, hard-edged discs, fine texture) decoded by the
 * node's decoder, so the pixels are what the node hashes; nothing is read from disk.
 */
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bmvbhash } from 'blockhash-core';
import { blockhashDihedralFromRgba, blockhashFromRgba } from '../../core/blockhash';
import { buildHashKernels } from '../../core/kernels';
import { dihedralPixels, pdqFromRgba, PDQ_DIHEDRAL_VARIANTS } from '../../core/pdq';
import { SharpImageDecoder } from '../../runtime/node/image';
import { syntheticJpeg } from './synthetic';
import { formatTable, type BenchTable } from './types';

const SIZES: [number, number][] = [
  [1920, 1080],
  [4000, 3000],
];

export async function run(opts: { quick?: boolean } = {}): Promise<BenchTable> {
  const runs = opts.quick ? 5 : 30;
  const slowRuns = opts.quick ? 3 : 10;
  const decoder = new SharpImageDecoder({ maxPixels: 50_000_000 });
  const rows: (string | number)[][] = [];
  const { pdq, blockhash: wasm } = buildHashKernels();
  for (const [width, height] of SIZES) {
    const img = await decoder.decode(await syntheticJpeg(width, height));
    const { rgba } = img;
    const reference = bmvbhash({ width, height, data: rgba }, 16);
    const ours = blockhashFromRgba(rgba, width, height, wasm);
    const ts = blockhashFromRgba(rgba, width, height, null);
    if (ours !== reference || ts !== reference) throw new Error(`${width}x${height}: blockhash-core ${reference}, ours ${ours}, TypeScript path ${ts}`);

    const steps: [string, number, () => unknown][] = [
      ['blockhash-core bmvbhash(img, 16)', slowRuns, () => bmvbhash({ width, height, data: rgba }, 16)],
      ['blockhash, WebAssembly kernel (Node)', runs, () => blockhashFromRgba(rgba, width, height, wasm)],
      ['blockhash, TypeScript path', runs, () => blockhashFromRgba(rgba, width, height, null)],
      ['pdq (for comparison)', runs, () => pdqFromRgba(rgba, width, height, pdq)],
      [
        'blockhash x 8 variants: transformed pixels, each hashed',
        slowRuns,
        () =>
          PDQ_DIHEDRAL_VARIANTS.map((v) =>
            blockhashFromRgba(v === 'original' ? rgba : dihedralPixels(rgba, width, height, v).rgba, ...sides(v, width, height), wasm),
          ),
      ],
      ['blockhash x 8 variants: one pass', runs, () => blockhashDihedralFromRgba(rgba, width, height, wasm)],
    ];
    let referenceP50 = 0;
    for (const [name, n, fn] of steps) {
      const ms = timings(fn, n);
      const p50 = ms[ms.length >> 1];
      if (!referenceP50) referenceP50 = p50;
      rows.push([`${width}x${height}`, name, n, round(p50), round(ms[0]), `${round(referenceP50 / p50)}x`]);
    }
  }
  return {
    title: 'blockhash 16x16 (method 2) on decoded RGBA',
    columns: ['image', 'step', 'runs', 'p50 ms', 'min ms', 'speed vs blockhash-core'],
    rows,
    notes: [
      "Synthesised JPEGs (quality 85, 4:2:0) decoded by the node's sharp decoder; every implementation gives the same hash (checked before timing).",
      'One thread, after 3 warm-up calls per step. PDQ runs its WebAssembly downsampling, as on Node.',
      "Speed: blockhash-core's p50 for one hash over the step's p50 (the two variant rows make 8 hashes).",
      `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    ],
  };
}

function sides(variant: string, width: number, height: number): [number, number] {
  return ['rotate90', 'rotate270', 'flipPlus1', 'flipMinus1'].includes(variant) ? [height, width] : [width, height];
}

function timings(fn: () => unknown, runs: number): number[] {
  for (let i = 0; i < 3; i++) fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    ms.push(performance.now() - t);
  }
  return ms.sort((a, b) => a - b);
}

function round(x: number): number {
  return x >= 100 ? Math.round(x) : Math.round(x * 100) / 100;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  run({ quick: process.argv.includes('--quick') }).then((table) => console.log(formatTable(table)));
}
