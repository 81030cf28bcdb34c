/**
 * The edge bench's inside part (run by `npx tsx src/cli/bench/edge.ts`, which sets EDGE_BENCH=1;
 * skipped otherwise): time per 1920x1080 JPEG in workerd, decode, PDQ, blockhash and the whole
 * POST /v1/hash through the worker's front door, as medians of 20 runs after 3 warm-ups. Prints
 * one line `EDGE_BENCH {...}` for the bench to read.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { blockhashDihedralFromRgba, blockhashFromRgba } from '../../src/core/blockhash';
import { buildHashKernels } from '../../src/core/kernels';
import { pdqDihedralFromRgba, pdqFromRgba } from '../../src/core/pdq';
import { WasmImageDecoder } from '../../src/runtime/worker/image';
import { WORKER_WASM } from '../../src/runtime/worker/wasm-modules';
import { admit, BASE, worker } from './partner';

const ref = (env as any).NODE_REFERENCE as { fetch(url: string): Promise<Response> };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
async function time(f: () => unknown, runs = 20): Promise<number> {
  for (let i = 0; i < 3; i++) await f();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    await f();
    t.push(performance.now() - s);
  }
  return Number(median(t).toFixed(2));
}

describe.runIf(((env as any).EDGE_BENCH ?? '') === '1')('edge bench', () => {
  it('times a 1080p JPEG in workerd', async () => {
    const auth = { authorization: `Bearer ${await admit('partner', 'bench')}` };
    const jpeg = new Uint8Array(await (await ref.fetch('https://ref/bench-jpeg')).arrayBuffer());
    const decoder = new WasmImageDecoder({ maxPixels: 40e6, memoryBytes: 96 * 2 ** 20, modules: WORKER_WASM.codecs });
    const img = await decoder.decode(jpeg);
    expect([img.width, img.height]).toEqual([1920, 1080]);
    expect((await worker.fetch(`${BASE}/health`)).status).toBe(200);
    // The kernels from the modules uploaded with the script, as the worker's deps build them.
    const k = buildHashKernels({ modules: WORKER_WASM });
    const post = (q = '') =>
      worker.fetch(`${BASE}/v1/hash${q}`, { method: 'POST', headers: { 'content-type': 'image/jpeg', ...auth }, body: jpeg }).then((r) => r.arrayBuffer());
    const r = {
      decode: await time(() => decoder.decode(jpeg)),
      pdq: await time(() => pdqFromRgba(img.rgba, img.width, img.height, k.pdq)),
      blockhash: await time(() => blockhashFromRgba(img.rgba, img.width, img.height, k.blockhash)),
      pdqDihedral: await time(() => pdqDihedralFromRgba(img.rgba, img.width, img.height, k.pdq)),
      blockhashDihedral: await time(() => blockhashDihedralFromRgba(img.rgba, img.width, img.height, k.blockhash)),
      postHash: await time(() => post()),
      postHashDihedral: await time(() => post('?dihedral=true')),
      bytes: jpeg.byteLength,
    };
    console.log(`EDGE_BENCH ${JSON.stringify(r)}`);
  }, 120_000);
});
