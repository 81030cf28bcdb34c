/**
 * The PDQ expectations of ../shared/conformance/pdq/expected/repo-expected-pdq.csv, and a report of
 * how far this node's hashes are from the rows it does not have to reproduce (the pipelines other
 * than HMA's decode differently or resize first, so only distances are meaningful there).
 *
 *   npx tsx test/support/pdq-report.ts            # markdown table on stdout
 *
 * (It reads ../shared/conformance beside the repository or $CONFORMANCE_DIR, as the tests do; it
 * does not import test/support/conformance.ts, whose `__dirname` only exists under vitest.)
 *
 * Column "node": this node's hash (HMA pipeline, full resolution). Column "front end emulated": the
 * same core fed as that pipeline's front end feeds the reference core, where that front end is
 * simple enough to copy: `cppcli512` (nearest-neighbour resize to exactly 512x512 when a side is
 * over 512, float32 luma) and `java-imageio` (full resolution, float32 luma). A 0 there says the core
 * matches the reference bit for bit on that input too; what remains is the decoder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { hammingHex } from '../../src/core/hashes';
import type { DecodedImage } from '../../src/core/media';
import { compilePdqKernels, pdqFromLuma, pdqFromRgba } from '../../src/core/pdq';
import { SharpImageDecoder } from '../../src/runtime/node/image';

export interface PdqExpectation {
  file: string;
  expected_pdq: string;
  expected_quality: string;
  pipeline: string;
  exactness: string;
  source: string;
  note: string;
}

/** RFC 4180 enough for this file: quoted fields may hold commas and doubled quotes. */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') out.push(cur), (cur = '');
    else cur += c;
  }
  out.push(cur);
  return out;
}

/** Reads expected/repo-expected-pdq.csv (give its path, e.g. from conformancePath). */
export function readPdqExpectations(csvPath: string): PdqExpectation[] {
  const lines = readFileSync(csvPath, 'utf8').trim().split(/\r?\n/);
  const header = splitCsvLine(lines[0]);
  return lines.slice(1).map((l) => Object.fromEntries(splitCsvLine(l).map((v, i) => [header[i], v])) as unknown as PdqExpectation);
}

/** The reference C++/Java luma: binary32 coefficients and arithmetic. */
function floatLuma(img: DecodedImage): Float32Array {
  const f = Math.fround;
  const [cr, cg, cb] = [f(0.299), f(0.587), f(0.114)];
  const luma = new Float32Array(img.width * img.height);
  for (let p = 0, q = 0; p < luma.length; p++, q += 4) {
    luma[p] = f(f(f(cr * img.rgba[q]) + f(cg * img.rgba[q + 1])) + f(cb * img.rgba[q + 2]));
  }
  return luma;
}

/** CImg's nearest-neighbour resize: output x reads input floor(x * W / w). */
function nearest(img: DecodedImage, w: number, h: number): DecodedImage {
  const rgba = new Uint8Array(w * h * 4);
  const src32 = new Uint32Array(img.rgba.slice().buffer);
  const dst32 = new Uint32Array(rgba.buffer);
  for (let y = 0; y < h; y++) {
    const sy = Math.floor((y * img.height) / h);
    for (let x = 0; x < w; x++) dst32[y * w + x] = src32[sy * img.width + Math.floor((x * img.width) / w)];
  }
  return { ...img, width: w, height: h, rgba };
}

function emulated(pipeline: string, img: DecodedImage): string | null {
  if (pipeline === 'java-imageio') return pdqFromLuma(floatLuma(img), img.width, img.height, null).hash;
  if (pipeline === 'cppcli512') {
    const small = img.width > 512 || img.height > 512 ? nearest(img, 512, 512) : img;
    return pdqFromLuma(floatLuma(small), small.width, small.height, null).hash;
  }
  return null;
}

/** `pdqDir` is the conformance folder's pdq/ (holding expected/ and the images). */
export async function pdqReport(pdqDir: string): Promise<string> {
  const decoder = new SharpImageDecoder({ maxPixels: 100_000_000 });
  const kernels = compilePdqKernels();
  const out = ['| file | pipeline | exactness | node | front end emulated |', '| --- | --- | --- | ---: | ---: |'];
  for (const row of readPdqExpectations(resolve(pdqDir, 'expected/repo-expected-pdq.csv'))) {
    if (row.pipeline === 'hma') continue;
    const path = resolve(pdqDir, row.file);
    if (!existsSync(path)) {
      out.push(`| ${row.file} | ${row.pipeline} | ${row.exactness} | not in the data | |`);
      continue;
    }
    const img = await decoder.decode(readFileSync(path));
    const node = hammingHex(pdqFromRgba(img.rgba, img.width, img.height, kernels).hash, row.expected_pdq);
    const emu = emulated(row.pipeline, img);
    out.push(`| ${row.file} | ${row.pipeline} | ${row.exactness} | ${node} | ${emu === null ? '' : hammingHex(emu, row.expected_pdq)} |`);
  }
  return out.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const base = resolve(process.env.CONFORMANCE_DIR ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/conformance'), 'pdq');
  if (!existsSync(base)) throw new Error(`conformance data not found at ${base} (set CONFORMANCE_DIR)`);
  pdqReport(base).then(console.log, (e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
