/**
 * Runs in Node, in the workerd pool's configuration (vitest.worker.config.ts): a service binding
 * (`NODE_REFERENCE`) through which the tests inside workerd fetch the images and what the Node
 * node computes for them (sharp + src/core, hashMedia as on Node). Nothing is hard-coded and
 * nothing is precomputed into the repository: each run asks the Node code afresh.
 *
 *   GET /images        the names: every JPEG and PNG of conformance/pdq and conformance/blockhash,
 *                      then WebP, GIF, AVIF and TIFF versions of a few of them made by sharp
 *   GET /image?name=   the bytes
 *   GET /node?name=    { status: 200, hashes, media } from the Node path, or { status, code }
 *   GET /bench-jpeg    a 1920x1080 JPEG (the bridge photo, resized by sharp) for the edge bench
 */
import sharp from 'sharp';
import { conformancePath } from '../support/conformance';
import { SharpImageDecoder } from '../../src/runtime/node/image';
import { nodeDigester } from '../../src/runtime/node/digest';
import { DEFAULT_LIMITS, DEFAULT_VIDEO } from '../../src/services/deps';
import { hashMedia } from '../../src/services/hashing';
import { DomainError } from '../../src/core/errors';
import { UnavailableVideoDecoder } from '../../src/core/video';
import { Slots } from '../../src/core/limits';
import { buildHashKernels } from '../../src/core/kernels';
import { conformanceImages, convertedImages, type EdgeImage } from '../support/edge-images';

let images: Promise<Map<string, EdgeImage>> | undefined;
const all = () => (images ??= (async () => new Map([...conformanceImages(), ...(await convertedImages())].map((i) => [i.name, i])))());

const deps = {
  decoder: new SharpImageDecoder({ maxPixels: DEFAULT_LIMITS.maxImagePixels }),
  kernels: buildHashKernels(),
  digests: nodeDigester,
  limits: DEFAULT_LIMITS,
  video: { ...DEFAULT_VIDEO, slots: new Slots(1, 0), decoder: new UnavailableVideoDecoder('no video here') },
};

export async function nodeReference(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const list = await all();
  if (url.pathname === '/images') return Response.json([...list.keys()]);
  if (url.pathname === '/bench-jpeg')
    return new Response(
      await sharp(conformancePath('pdq/pdq/data/bridge-mods/aaa-orig.jpg')).resize(1920, 1080, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer(),
    );
  const img = list.get(url.searchParams.get('name') ?? '');
  if (!img) return new Response('no such image', { status: 404 });
  if (url.pathname === '/image') return new Response(new Uint8Array(img.bytes));
  try {
    const h = await hashMedia(deps, img.bytes);
    if (h.kind !== 'image') throw new Error(`${img.name} hashed as ${h.kind}`);
    return Response.json({ status: 200, hashes: h.hashes, media: h.media });
  } catch (e) {
    if (e instanceof DomainError) return Response.json({ status: 0, code: e.code, detail: e.message });
    throw e;
  }
}
