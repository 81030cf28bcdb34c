/**
 * What each edge decoder's heap reaches, fresh instance per image (as the worker runs them), by
 * format and size: the figures behind src/runtime/worker/edge-memory.ts.
 *
 *   npx tsx src/cli/bench/edge-memory.ts
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp, { type Sharp } from 'sharp';
import { readImageHeader, type ImageHeader } from '../../core/media';
import { decodePng } from '../../runtime/worker/codecs/png';
import { decodeWithWasm } from '../../runtime/worker/codecs/wasm-codecs';
import { decodeBytes } from '../../runtime/worker/edge-memory';
import { conformanceFile } from './conformance';
import { edgeCodecModules } from './edge-codecs';
import { formatTable, type BenchTable } from './types';

const MB = 2 ** 20;

export const MEMORY_CASES: [string, (s: Sharp) => Sharp][] = [
  ['JPEG baseline 4:2:0', (s) => s.jpeg({ quality: 90 })],
  ['JPEG baseline 4:4:4', (s) => s.jpeg({ quality: 90, chromaSubsampling: '4:4:4' })],
  ['JPEG progressive 4:2:0', (s) => s.jpeg({ quality: 90, progressive: true })],
  ['JPEG progressive 4:4:4', (s) => s.jpeg({ quality: 90, progressive: true, chromaSubsampling: '4:4:4' })],
  ['PNG RGB', (s) => s.png()],
  ['PNG RGBA', (s) => s.ensureAlpha().png()],
  ['WebP lossy', (s) => s.webp({ quality: 80 })],
  ['WebP lossless', (s) => s.webp({ lossless: true })],
  ['AVIF', (s) => s.avif({ quality: 50 })],
];

export async function run(opts: { quick?: boolean } = {}): Promise<BenchTable> {
  const sizes: [number, number][] = opts.quick
    ? [[1920, 1080]]
    : [
        [1920, 1080],
        [4032, 3024],
      ];
  const src = conformanceFile('pdq', 'pdq', 'data', 'bridge-mods', 'aaa-orig.jpg');
  const m = edgeCodecModules();
  const rows: (string | number)[][] = [];
  for (const [w, h] of sizes) {
    const P = w * h;
    for (const [name, encode] of MEMORY_CASES) {
      if (name === 'AVIF' && P > 9e6) continue; // over the edge's AVIF limit anyway, and slow
      const bytes = new Uint8Array(await encode(sharp(src).resize(w, h, { fit: 'fill' })).toBuffer());
      const header = readImageHeader(bytes) as ImageHeader;
      const out = header.format === 'png' ? decodePng(m.png, bytes) : await decodeWithWasm(header.format as 'jpeg' | 'webp' | 'avif', m, bytes);
      const heap = out.heapBytes ?? 0;
      const model = decodeBytes(header, bytes.byteLength);
      rows.push([
        `${w}x${h}`,
        name,
        (bytes.byteLength / MB).toFixed(1),
        (heap / MB).toFixed(1),
        (heap / P).toFixed(2),
        (model / MB).toFixed(1),
        model >= heap ? 'yes' : '**no**',
      ]);
    }
  }
  return {
    title: 'Edge decoders: WebAssembly heap per image (fresh instance; the pixels are a view of it, no second copy)',
    columns: ['size', 'format', 'file MB', 'heap MB', 'heap bytes/px', 'model MB', 'model covers it'],
    rows,
    notes: ['model: decodeBytes in src/runtime/worker/edge-memory.ts, from the header and the body size; the body itself is counted apart'],
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  run({ quick: process.argv.includes('--quick') }).then((t) => console.log(formatTable(t)));
}
