/**
 * The same hashes at the edge: every JPEG and PNG of the conformance folders (pdq, blockhash), and
 * WebP, GIF, AVIF and TIFF versions of some, POSTed to the worker's /v1/hash inside workerd, against
 * what the Node node computes for the same bytes (sharp + src/core, asked through the NODE_REFERENCE
 * service binding; see node-reference.ts). JPEG, PNG, WebP, GIF and TIFF must agree bit for bit;
 * AVIF within the bounds the README lists (its decoders differ by a few pixel values); a CMYK JPEG
 * is refused at the edge with a 415 that says why.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildHashKernels } from '../../src/core/kernels';
import { WORKER_WASM } from '../../src/runtime/worker/wasm-modules';
import { admit, BASE, worker } from './partner';

const ref = (env as any).NODE_REFERENCE as { fetch(url: string): Promise<Response> };
let auth: Record<string, string>;
let names: string[];

const hamming = (a: string, b: string) => {
  let d = 0;
  for (let i = 0; i < a.length; i += 8) {
    let x = (parseInt(a.slice(i, i + 8), 16) ^ parseInt(b.slice(i, i + 8), 16)) >>> 0;
    while (x) {
      d += x & 1;
      x >>>= 1;
    }
  }
  return d;
};

beforeAll(async () => {
  auth = { authorization: `Bearer ${await admit('partner', 'conformance')}` };
  names = await (await ref.fetch('https://ref/images')).json();
}, 180_000);

async function both(name: string) {
  const bytes = new Uint8Array(await (await ref.fetch(`https://ref/image?name=${encodeURIComponent(name)}`)).arrayBuffer());
  const node: any = await (await ref.fetch(`https://ref/node?name=${encodeURIComponent(name)}`)).json();
  const res = await worker.fetch(`${BASE}/v1/hash`, { method: 'POST', headers: { 'content-type': 'image/*', ...auth }, body: bytes });
  return { node, status: res.status, edge: (await res.json()) as any };
}

describe("hashes in workerd equal the Node node's", () => {
  it('the WebAssembly modules the worker entry hands its deps build into both kernels', async () => {
    expect((await worker.fetch(`${BASE}/health`)).status).toBe(200);
    const kernels = buildHashKernels({ modules: WORKER_WASM });
    expect(kernels.pdq?.memory).toBeInstanceOf(WebAssembly.Memory);
    expect(kernels.blockhash?.memory).toBeInstanceOf(WebAssembly.Memory);
  });

  it('every JPEG and PNG of the conformance folders, bit for bit (a CMYK JPEG: 415 at the edge)', async () => {
    const images = names.filter((n) => /\.(jpe?g|png)$/i.test(n));
    expect(images.length).toBeGreaterThanOrEqual(60);
    const wrong: string[] = [];
    for (const name of images) {
      const { node, status, edge } = await both(name);
      if (name.endsWith('modes/CMYK.jpg')) {
        expect(node.status).toBe(200);
        expect(status).toBe(415);
        expect(edge.detail).toContain('CMYK JPEG');
        continue;
      }
      if (status !== 200 || JSON.stringify(edge.hashes) !== JSON.stringify(node.hashes) || JSON.stringify(edge.media) !== JSON.stringify(node.media)) {
        wrong.push(`${name}: edge ${status} ${JSON.stringify(edge.hashes ?? edge)} node ${JSON.stringify(node.hashes ?? node)}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 240_000);

  it('WebP, GIF and TIFF bit for bit; AVIF within a few bits', async () => {
    const rows: string[] = [];
    for (const name of names.filter((n) => /\.(webp|gif|avif|tiff)$/.test(n))) {
      const { node, status, edge } = await both(name);
      expect(status, name).toBe(200);
      const d = { pdq: hamming(edge.hashes.pdq.value, node.hashes.pdq.value), blockhash: hamming(edge.hashes.blockhash.value, node.hashes.blockhash.value) };
      rows.push(`${name}\tpdq ${d.pdq}\tblockhash ${d.blockhash}\tquality ${edge.hashes.pdq.quality}/${node.hashes.pdq.quality}`);
      if (name.endsWith('.avif')) {
        expect(d.pdq, name).toBeLessThanOrEqual(4);
        expect(d.blockhash, name).toBeLessThanOrEqual(4);
      } else {
        expect(edge.hashes, name).toEqual(node.hashes);
      }
      expect(edge.media, name).toEqual(node.media);
    }
    console.log(`edge vs Node, distances:\n${rows.join('\n')}`);
  }, 240_000);
});
