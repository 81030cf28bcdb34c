/**
 * The browser's hasher, in a Web Worker (the page stays responsive, and nothing else in the page
 * holds the pixels). The file is decoded by the browser's own decoder (createImageBitmap without
 * colour management, premultiplication or EXIF rotation, as the node decodes: DESIGN §4), its pixels
 * read back from an OffscreenCanvas, and hashed by src/core's PDQ and blockhash, the node's own
 * code, whose WebAssembly kernels are compiled here from the bytes core builds. MD5 (@noble/hashes)
 * and SHA-256 (WebCrypto) are of the file's exact bytes. Nothing is sent anywhere from here: the
 * page sends only the hashes, and only when asked.
 */
import { md5 } from '@noble/hashes/legacy.js';
import { blockhash, blockhashDihedralFromRgba, blockhashKernelsFrom, blockhashWasmBytes } from '../../core/blockhash';
import type { HashKernels } from '../../core/kernels';
import { MIN_IMAGE_SIDE, sniffImageFormat } from '../../core/media';
import { readImageHeader } from '../../core/media';
import { pdqDihedralFromRgba, pdqFromRgba, pdqKernelsFrom, pdqWasmBytes } from '../../core/pdq';
import type { HashRequest, HashResponse, LocalHashes } from './lib/hash-protocol';
import { withoutOrientation } from './lib/orientation';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/**
 * Compiled once per worker, asynchronously (browsers limit synchronous compiles on some threads). A
 * kernel this browser cannot compile leaves that hash to its TypeScript path (the same hashes,
 * slower), and the page shows which ran (`kernels` in the result).
 */
let kernels: Promise<HashKernels> | undefined;
function compileKernels(): Promise<HashKernels> {
  const attempt = async <K>(bytes: () => Uint8Array<ArrayBuffer>, from: (m: WebAssembly.Module) => K): Promise<K | null> => {
    try {
      return from(await WebAssembly.compile(bytes()));
    } catch {
      return null;
    }
  };
  kernels ??= Promise.all([attempt(pdqWasmBytes, pdqKernelsFrom), attempt(blockhashWasmBytes, blockhashKernelsFrom)]).then(([pdq, blockhash]) => ({
    pdq,
    blockhash,
  }));
  return kernels;
}

/**
 * The decode options that keep the file's own pixel values: no ICC conversion, no premultiplied
 * alpha. (EXIF rotation: see orientation.ts; the bitmap is not flipped.)
 */
const DECODE: ImageBitmapOptions = { colorSpaceConversion: 'none', premultiplyAlpha: 'none', imageOrientation: 'from-image' };

async function decode(bytes: Uint8Array, type: string): Promise<{ width: number; height: number; rgba: Uint8Array }> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([withoutOrientation(bytes) as Uint8Array<ArrayBuffer>], { type }), DECODE);
  } catch {
    throw new Error('this browser cannot decode the file as an image (corrupt, truncated, or not an image format it reads)');
  }
  try {
    const { width, height } = bitmap;
    const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true, alpha: true, colorSpace: 'srgb' });
    if (!ctx) throw new Error('this browser gives no 2D canvas in a worker');
    ctx.drawImage(bitmap, 0, 0);
    const data = ctx.getImageData(0, 0, width, height, { colorSpace: 'srgb' }).data;
    return { width, height, rgba: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } finally {
    bitmap.close();
  }
}

/**
 * Where this browser's decoder is known to give other pixels than the node's (measured on the
 * conformance images by test/console/conformance.e2e.test.ts; README, "Web console").
 */
function decoderNotes(bytes: Uint8Array): string[] {
  const h = readImageHeader(bytes);
  if (!h || 'broken' in h) return [];
  const notes: string[] = [];
  if (h.jpeg?.components === 4)
    notes.push(
      "CMYK JPEG: the browser converts CMYK to RGB otherwise than the node does; PDQ and blockhash may be a few bits off the node's (6 bits on the conformance image).",
    );
  if (h.png && h.png.bitDepth === 16)
    notes.push(
      "16-bit PNG: the browser reduces it to 8 bits otherwise than the node does; its hashes may be far from the node's. For the node's exact hashes use `npm run client -- hash FILE`.",
    );
  if (h.png && (h.png.colorType === 4 || h.png.colorType === 6 || h.png.transparency))
    notes.push(
      "Transparency: the browser's canvas stores colours premultiplied by alpha, so partly transparent pixels may differ and PDQ may be a few bits off the node's.",
    );
  return notes;
}

async function hashFile(req: HashRequest): Promise<LocalHashes> {
  const k = await compileKernels();
  const bytes = new Uint8Array(req.bytes);
  const format = sniffImageFormat(bytes);
  const sha256 = hex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)));
  const md5hex = hex(md5(bytes));
  const t0 = performance.now();
  const img = await decode(bytes, req.type || (format ? `image/${format}` : ''));
  if (img.width < MIN_IMAGE_SIDE || img.height < MIN_IMAGE_SIDE) {
    throw new Error(`the image is ${img.width}x${img.height}; the node hashes images at least ${MIN_IMAGE_SIDE} pixels a side`);
  }
  const decodeMs = performance.now() - t0;
  const decoded = { width: img.width, height: img.height, format: format ?? 'unknown', rgba: img.rgba };
  const out: LocalHashes = {
    hashes: { pdq: { value: '', quality: 0 }, blockhash: { value: blockhash(decoded, k.blockhash) }, md5: { value: md5hex }, sha256: { value: sha256 } },
    media: { width: img.width, height: img.height, format: decoded.format, bytes: bytes.byteLength },
    kernels: { pdq: k.pdq !== null, blockhash: k.blockhash !== null },
    notes: decoderNotes(bytes),
    timings: { decodeMs, hashMs: 0 },
  };
  if (req.dihedral) {
    const d = pdqDihedralFromRgba(img.rgba, img.width, img.height, k.pdq);
    out.hashes.pdq = { value: d.hashes[0].hash, quality: d.quality };
    out.variants = {
      pdq: d.hashes.map((h) => ({ variant: h.variant, value: h.hash })),
      blockhash: blockhashDihedralFromRgba(img.rgba, img.width, img.height, k.blockhash).map((h) => ({ variant: h.variant, value: h.hash })),
    };
  } else {
    const p = pdqFromRgba(img.rgba, img.width, img.height, k.pdq);
    out.hashes.pdq = { value: p.hash, quality: p.quality };
  }
  out.timings.hashMs = performance.now() - t0 - decodeMs;
  img.rgba.fill(0);
  return out;
}

self.onmessage = async (ev: MessageEvent<HashRequest>) => {
  const req = ev.data;
  let reply: HashResponse;
  try {
    reply = { id: req.id, ok: true, result: await hashFile(req) };
  } catch (e) {
    reply = { id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  (self as unknown as Worker).postMessage(reply);
};
